using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>Certificates made at test time: a root, an intermediate, and leaves signed by it.</summary>
internal static class TestCertificates
{
    private static readonly DateTimeOffset ValidFrom = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ValidTo = new(2028, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<X509Certificate2> Root = new(() =>
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Contoso Test Root", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(ValidFrom.AddYears(-5), ValidTo.AddYears(5));
    });

    private static readonly Lazy<X509Certificate2> Intermediate = new(() =>
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Contoso Test Issuing CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 issued = request.Create(Root.Value, ValidFrom.AddYears(-1), ValidTo.AddYears(1), [1, 2, 3, 4]);
        return issued.CopyWithPrivateKey(key);
    });

    public static byte[] IntermediateDer => Intermediate.Value.RawData;

    /// <summary>A leaf for <paramref name="dnsName"/> issued by the intermediate.</summary>
    public static byte[] Leaf(string dnsName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 leaf = request.Create(Intermediate.Value, notBefore ?? ValidFrom, notAfter ?? ValidTo, [9, 8, 7, (byte)dnsName.Length]);
        return leaf.RawData;
    }

    public static byte[] SelfSigned(string dnsName)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(ValidFrom, ValidTo);
        return certificate.RawData;
    }
}
