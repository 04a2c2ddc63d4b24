using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Writing;

/// <summary>What went into an evidence capture.</summary>
public sealed record EvidenceSummary(long PacketsWritten, int Flows, CaptureFormat Format);

/// <summary>
/// Writes the evidence capture: only the packets of the flows behind the findings (and the
/// packets findings name explicitly, such as ICMP errors), so a ticket carries a small file
/// that shows the problem instead of the whole capture. A second streaming pass over the source.
/// </summary>
public static class EvidenceWriter
{
    /// <param name="source">The capture the findings came from.</param>
    /// <param name="findings">The findings whose packets to keep.</param>
    /// <param name="destination">Where the evidence capture goes.</param>
    /// <param name="ladders">Also fed every decoded packet of this pass, so the HTML ladders need no pass of their own.</param>
    public static EvidenceSummary Write(Stream source, IEnumerable<Finding> findings, Stream destination, Reporting.Html.LadderCollector? ladders = null)
    {
        var ranges = new Dictionary<FlowKey, List<(long First, long Last)>>();
        var packets = new HashSet<long>();
        // Symptoms moved under their cause keep their evidence in the file.
        foreach (Finding finding in WithSymptoms(findings))
        {
            foreach (EvidenceFlow flow in finding.EvidenceFlows)
            {
                if (!ranges.TryGetValue(flow.Key, out List<(long, long)>? list))
                {
                    ranges[flow.Key] = list = [];
                }

                list.Add((flow.FirstPacket, flow.LastPacket));
            }

            packets.UnionWith(finding.Packets);
        }

        using CaptureReader reader = CaptureReader.Open(source, leaveOpen: true);
        var decoder = new PacketDecoder();
        var packet = new DecodedPacket();
        ICaptureWriter? writer = null;
        var interfaceMap = new Dictionary<int, int>();
        long number = 0;
        long written = 0;
        try
        {
            while (reader.TryReadPacket(out CapturedPacket record))
            {
                number++;
                bool decoded = false;
                if (ladders is { HasFlows: true })
                {
                    decoder.Decode(record.Memory, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
                    ladders.Observe(number, record.TimestampNanoseconds, packet);
                    decoded = true;
                }

                if (!packets.Contains(number) && !InRanges(ranges, decoder, packet, record, number, decoded))
                {
                    continue;
                }

                writer ??= CreateWriter(reader, destination);
                int interfaceId = MapInterface(writer, reader, record, interfaceMap);
                writer.WritePacket(record.TimestampNanoseconds, record.Data, record.OriginalLength, interfaceId);
                written++;
            }
        }
        catch (CaptureFormatException)
        {
            // The analysis already reported the damage; the evidence holds what precedes it.
        }

        writer ??= CreateWriter(reader, destination);
        writer.Dispose();
        return new EvidenceSummary(written, ranges.Count, reader.Format);
    }

    private static IEnumerable<Finding> WithSymptoms(IEnumerable<Finding> findings) =>
        findings.SelectMany(f => (IEnumerable<Finding>)[f, .. WithSymptoms(f.Symptoms)]);

    private static bool InRanges(Dictionary<FlowKey, List<(long First, long Last)>> ranges, PacketDecoder decoder, DecodedPacket packet, CapturedPacket record, long number, bool decoded)
    {
        if (ranges.Count == 0)
        {
            return false;
        }

        if (!decoded)
        {
            decoder.Decode(record.Memory, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
        }

        if (!packet.HasIp)
        {
            return false;
        }

        FlowKey key = FlowKey.Create(packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort, packet.Protocol, out _);
        if (!ranges.TryGetValue(key, out List<(long First, long Last)>? list))
        {
            return false;
        }

        foreach ((long first, long last) in list)
        {
            if (number >= first && number <= last)
            {
                return true;
            }
        }

        return false;
    }

    private static ICaptureWriter CreateWriter(CaptureReader reader, Stream destination) =>
        reader.Format == CaptureFormat.PcapNg
            ? new PcapNgWriter(destination, leaveOpen: true)
            : new PcapWriter(destination, reader.Interfaces[0].LinkType, nanoseconds: true, bigEndian: false, snapLength: CaptureReader.MaxRecordBytes, leaveOpen: true);

    /// <summary>pcapng evidence declares each source interface the first time one of its packets is written.</summary>
    private static int MapInterface(ICaptureWriter writer, CaptureReader reader, CapturedPacket record, Dictionary<int, int> map)
    {
        if (writer is not PcapNgWriter pcapng)
        {
            return 0;
        }

        if (!map.TryGetValue(record.InterfaceId, out int id))
        {
            CaptureInterface source = reader.Interfaces[record.InterfaceId];
            map[record.InterfaceId] = id = pcapng.AddInterface(new PcapNgInterface(source.LinkType, TimestampResolution: 9, Name: source.Name, SnapLength: source.SnapLength));
        }

        return id;
    }
}
