using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Per-segment TCP analysis in the spirit of Wireshark's tcp.analysis.*: retransmissions,
/// out-of-order segments, duplicate ACKs, zero windows, keep-alives, handshake timing, and
/// frames duplicated by the capture itself (same IP ID and segment within microseconds).
/// </summary>
internal static class TcpSegmentAnalyzer
{
    /// <summary>Copies of one frame taken twice by the capture path arrive this close together.</summary>
    private const long DuplicateFrameWindowNs = 100_000;

    public static void Observe(Flow flow, ref FlowDirection sender, ref FlowDirection receiver, bool fromOriginator, DecodedPacket packet, long packetNumber, long now)
    {
        TcpFlags flags = packet.Flags;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        int length = Math.Max(0, packet.PayloadLength);
        uint seq = packet.Sequence;
        ConnectionHistory history = flow.History;

        if (IsDuplicateFrame(ref sender, packet, length, now))
        {
            sender.DuplicateFrames++;
            return;
        }

        RememberFrame(ref sender, packet, length, now);

        if (syn)
        {
            RecordSyn(flow, ref sender, fromOriginator, packet, ack, now);
        }
        else if (ack && flow.SynAckNanoseconds >= 0 && flow.HandshakeNanoseconds < 0 && fromOriginator
            && receiver.SequenceKnown && packet.Acknowledgment == receiver.InitialSequence + 1)
        {
            flow.HandshakeNanoseconds = flow.SynNanoseconds >= 0 ? now - flow.SynNanoseconds : -1;
            flow.SynAckToAckNanoseconds = now - flow.SynAckNanoseconds;
        }

        if (rst)
        {
            if (!flow.Originator.RstSeen && !flow.Responder.RstSeen)
            {
                flow.FirstResetPacketNumber = packetNumber;
                flow.FirstResetByOriginator = fromOriginator;
                flow.IdleBeforeResetNanoseconds = Math.Max(0, now - flow.PreviousPacketNanoseconds);
            }

            sender.RstSeen = true;
            history.Add('R', fromOriginator);
        }

        if (fin)
        {
            sender.FinSeen = true;
            history.Add('F', fromOriginator);
        }

        if (!rst && !syn && !fin && packet.Window == 0)
        {
            sender.ZeroWindows++;
            history.AddCounted('W', fromOriginator, sender.ZeroWindows);
        }

        AnalyzeSequence(flow, ref sender, fromOriginator, packet, seq, length, syn, fin, rst);
        AnalyzeAck(ref sender, packet, ack, length, syn, fin, rst);

        if (length > 0)
        {
            history.Add('D', fromOriginator);
            FlowTable.AddPayload(ref sender, length, now);
        }
        else if (ack && !syn && !fin && !rst)
        {
            history.Add('A', fromOriginator);
        }
    }

    private static void RecordSyn(Flow flow, ref FlowDirection sender, bool fromOriginator, DecodedPacket packet, bool ack, long now)
    {
        if (ack)
        {
            if (!sender.SynAckSeen)
            {
                sender.SynAckSeen = true;
                flow.SynAckNanoseconds = now;
                if (flow.SynNanoseconds >= 0)
                {
                    flow.SynToSynAckNanoseconds = now - flow.SynNanoseconds;
                }
            }

            flow.History.Add('H', fromOriginator);
        }
        else
        {
            if (!sender.SynSeen)
            {
                sender.SynSeen = true;
                flow.SynNanoseconds = now;
            }

            flow.History.Add('S', fromOriginator);
        }

        if (packet.Mss != 0)
        {
            sender.Mss = packet.Mss;
        }

        if (packet.WindowScale >= 0)
        {
            sender.WindowScale = packet.WindowScale;
        }

        sender.SackPermitted |= packet.SackPermitted;
    }

    private static void AnalyzeSequence(Flow flow, ref FlowDirection sender, bool fromOriginator, DecodedPacket packet, uint seq, int length, bool syn, bool fin, bool rst)
    {
        uint segmentLength = (uint)length + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        uint end = seq + segmentLength;

        if (syn && !sender.SequenceKnown)
        {
            sender.SequenceKnown = true;
            sender.InitialSequence = seq;
            sender.NextSequence = end;
            return;
        }

        if (!sender.SequenceKnown)
        {
            sender.SequenceKnown = true;
            sender.InitialSequence = seq;
            sender.NextSequence = end;
            return;
        }

        if (rst || segmentLength == 0)
        {
            return;
        }

        if (seq == sender.NextSequence)
        {
            sender.NextSequence = end;
            return;
        }

        if (SequenceMath.Greater(seq, sender.NextSequence))
        {
            sender.AddHole(sender.NextSequence, seq);
            flow.History.Add('G', fromOriginator);
            sender.NextSequence = end;
            return;
        }

        // seq is below what this side already sent.
        if (length <= 1 && !syn && !fin && seq == sender.NextSequence - 1)
        {
            sender.KeepAlives++;
            return;
        }

        if (sender.TryFillHole(seq, end))
        {
            sender.OutOfOrder++;
        }
        else
        {
            sender.Retransmissions++;
            flow.History.AddCounted('T', fromOriginator, sender.Retransmissions);
        }

        if (SequenceMath.Greater(end, sender.NextSequence))
        {
            sender.NextSequence = end;
        }
    }

    private static void AnalyzeAck(ref FlowDirection sender, DecodedPacket packet, bool ack, int length, bool syn, bool fin, bool rst)
    {
        if (!ack)
        {
            return;
        }

        uint acknowledgment = packet.Acknowledgment;
        ushort window = packet.Window;
        if (sender.AckKnown && length == 0 && !syn && !fin && !rst
            && acknowledgment == sender.LastAck && window == sender.LastWindow && window != 0
            && packet.Sequence == sender.LastSequenceAtAck)
        {
            sender.DuplicateAcks++;
        }

        sender.AckKnown = true;
        sender.LastAck = acknowledgment;
        sender.LastWindow = window;
        sender.LastSequenceAtAck = packet.Sequence;
    }

    private static bool IsDuplicateFrame(ref FlowDirection sender, DecodedPacket packet, int length, long now)
    {
        if (sender.Packets <= 1 || packet.IpVersion != 4 || packet.IpIdentification == 0)
        {
            return false; // IPv6 has no ID in every packet; ID 0 is common with DF set
        }

        return packet.IpIdentification == sender.LastIpId
            && packet.Sequence == sender.LastSequence
            && length == sender.LastLength
            && (ushort)packet.Flags == sender.LastFlags.Value
            && now - sender.LastFrameNanoseconds is >= 0 and <= DuplicateFrameWindowNs;
    }

    private static void RememberFrame(ref FlowDirection sender, DecodedPacket packet, int length, long now)
    {
        sender.LastIpId = packet.IpIdentification;
        sender.LastSequence = packet.Sequence;
        sender.LastLength = length;
        sender.LastFlags = new TcpFlagsSnapshot((ushort)packet.Flags);
        sender.LastFrameNanoseconds = now;
    }
}
