using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>
/// What real traffic carries, for generated benchmark captures: TLS handshakes on 443 (TLS 1.3,
/// and TLS 1.2 with a certificate chain in clear), HTTP on 80, DNS lookups, and bytes that are
/// not the protocol of the port elsewhere — so the application-layer parsers do the work they do
/// on a real capture. Everything is derived from the seed: the same seed writes the same bytes.
/// </summary>
internal sealed class RealisticPayloads
{
    private readonly Random _random;
    private readonly byte[][] _clientHellos;
    private readonly byte[][] _tls12Flights;
    private readonly byte[] _tls13Flight;
    private readonly string[] _names;

    public RealisticPayloads(Random random, int servers)
    {
        _random = random;
        _names = Enumerable.Range(0, servers).Select(i => $"svc{i}.contoso-{i % 7}.com").ToArray();
        _clientHellos = _names.Select(n => TlsMessageBuilder.ClientHello(n, offerTls13: true)).ToArray();
        byte[] intermediate = DeterministicCertificates.Create("CN=Contoso Issuing CA 01", "CN=Contoso Root CA", random, ca: true);
        _tls12Flights = _names.Select(n =>
            (byte[])[.. TlsMessageBuilder.ServerHello(), .. TlsMessageBuilder.Certificate(DeterministicCertificates.Create($"CN={n}", "CN=Contoso Issuing CA 01", random, ca: false, dnsName: n), intermediate), .. TlsMessageBuilder.ServerHelloDone()])
            .ToArray();
        _tls13Flight = [.. TlsMessageBuilder.ServerHello(tls13: true), .. TlsMessageBuilder.ChangeCipherSpec(), .. TlsMessageBuilder.Record(23, new byte[600])];
    }

    public string Name(int server) => _names[server];

    public ReadOnlySpan<byte> ClientHello(int server) => _clientHellos[server];

    /// <summary>The server's first flight: TLS 1.2 with its certificate chain in clear, or TLS 1.3 (certificates encrypted).</summary>
    public ReadOnlySpan<byte> ServerFlight(int server, bool tls12) => tls12 ? _tls12Flights[server] : _tls13Flight;

    public int HttpRequest(Span<byte> destination, int server) =>
        Encoding.ASCII.GetBytes($"GET /api/items/{_random.Next(100_000)} HTTP/1.1\r\nHost: {_names[server]}\r\nUser-Agent: contoso-client/2.1\r\nAccept: application/json\r\n\r\n", destination);

    public int HttpResponse(Span<byte> destination, int length)
    {
        int header = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length * 4}\r\n\r\n", destination);
        int body = Math.Max(0, Math.Min(length, destination.Length) - header);
        Fill(destination.Slice(header, body));
        return header + body;
    }

    /// <summary>A TLS application-data record of about <paramref name="length"/> bytes (header, then ciphertext-like bytes).</summary>
    public int TlsApplicationData(Span<byte> destination, int length)
    {
        length = Math.Max(length, 6);
        destination[0] = 23;
        destination[1] = 3;
        destination[2] = 3;
        destination[3] = (byte)((length - 5) >> 8);
        destination[4] = (byte)(length - 5);
        Fill(destination[5..length]);
        return length;
    }

    /// <summary>Bytes that are not any protocol's (database, RDP and custom payloads after their handshakes look like this to a parser).</summary>
    public void Fill(Span<byte> destination) => _random.NextBytes(destination);

    public byte[] DnsQuery(ushort id, int server) => DnsMessageBuilder.Query(id, _names[server]);

    public byte[] DnsResponse(ushort id, int server, string address, bool missing) =>
        DnsMessageBuilder.Response(id, _names[server], missing ? (byte)3 : (byte)0, missing ? [] : [address]);
}

/// <summary>
/// Certificates whose bytes depend only on their inputs: a public key and signature drawn from the
/// seeded random, never verified by anything that reads them. Real keys are random by design and
/// would make generated captures differ from run to run.
/// </summary>
internal static class DeterministicCertificates
{
    private static readonly DateTimeOffset NotBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Create(string subject, string issuer, Random random, bool ca, string? dnsName = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), PublicKey(random), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
        }

        byte[] serial = new byte[8];
        random.NextBytes(serial);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        using X509Certificate2 certificate = request.Create(new X500DistinguishedName(issuer), new FixedSignature(random), NotBefore, NotAfter, serial);
        return certificate.RawData;
    }

    /// <summary>An EC P-256 public key value (0x04 || X || Y) from the random; not a point anyone checks.</summary>
    private static PublicKey PublicKey(Random random)
    {
        byte[] point = new byte[65];
        random.NextBytes(point);
        point[0] = 0x04;
        var parameters = new AsnWriter(AsnEncodingRules.DER);
        parameters.WriteObjectIdentifier("1.2.840.10045.3.1.7");
        return new PublicKey(new Oid("1.2.840.10045.2.1"), new AsnEncodedData(parameters.Encode()), new AsnEncodedData(point));
    }

    /// <summary>ecdsa-with-SHA256 and a signature of the right shape, drawn from the random.</summary>
    private sealed class FixedSignature(Random random) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }

            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            byte[] r = new byte[32];
            byte[] s = new byte[32];
            random.NextBytes(r);
            random.NextBytes(s);
            r[0] = (byte)((r[0] & 0x3F) | 0x40); // a full-length positive value: no leading zero to strip
            s[0] = (byte)((s[0] & 0x3F) | 0x40);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteIntegerUnsigned(r);
                writer.WriteIntegerUnsigned(s);
            }

            return writer.Encode();
        }

        protected override PublicKey BuildPublicKey() => throw new NotSupportedException("the issuer's key is not needed");
    }
}
