using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Per-segment TCP analysis in the spirit of Wireshark's tcp.analysis.*: retransmissions,
/// out-of-order segments, duplicate ACKs, zero windows, keep-alives, handshake timing, and
/// frames duplicated by the capture itself (same IP ID and segment within microseconds).
/// </summary>
internal static class TcpSegmentAnalyzer
{
    /// <summary>
    /// Copies of one frame taken twice by the capture path arrive this close together. A real
    /// retransmission carries a new IP ID and comes after an RTO (≥ 200 ms), a tail-loss probe
    /// (≥ 10 ms) or duplicate ACKs, so an identical frame within 1 ms is the capture's doing.
    /// </summary>
    private const long DuplicateFrameWindowNs = 1_000_000;

    /// <summary>Wireshark: a resend within 20 ms of the second duplicate ACK is a fast retransmission.</summary>
    private const long FastRetransmissionWindowNs = 20_000_000;

    /// <summary>Wireshark's out-of-order window when the handshake RTT is unknown.</summary>
    private const long DefaultOutOfOrderThresholdNs = 3_000_000;

    public static void Observe(Flow flow, ref FlowDirection sender, ref FlowDirection receiver, bool fromOriginator, DecodedPacket packet, long packetNumber, long now)
    {
        TcpFlags flags = packet.Flags;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        int length = Math.Max(0, packet.PayloadLength);
        uint seq = packet.Sequence;
        ref ConnectionHistory history = ref flow.History;

        if (IsDuplicateFrame(ref sender, packet, length, now))
        {
            sender.DuplicateFrames++;
            return;
        }

        RememberFrame(ref sender, packet, length, now);

        long silence = Math.Max(0, now - flow.PreviousPacketNanoseconds);
        sender.SilenceSinceActiveNanoseconds = Math.Max(sender.SilenceSinceActiveNanoseconds, silence);
        receiver.SilenceSinceActiveNanoseconds = Math.Max(receiver.SilenceSinceActiveNanoseconds, silence);
        bool newData = length > 0 && (!sender.SequenceKnown || !SequenceMath.Less(seq, sender.NextSequence));
        if (newData && receiver.FinSeen && sender.DataAfterPeerFinNanoseconds == 0)
        {
            sender.DataAfterPeerFinNanoseconds = now;
        }

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
                flow.IdleBeforeResetNanoseconds = sender.SilenceSinceActiveNanoseconds;
                if (sender.FinSeen && receiver.DataAfterPeerFinNanoseconds != 0)
                {
                    flow.ResetAfterClose = true;
                    flow.ReuseAfterCloseNanoseconds = receiver.DataAfterPeerFinNanoseconds - sender.FinNanoseconds;
                }
            }

            sender.RstSeen = true;
            history.Add('R', fromOriginator);
        }

        if (fin)
        {
            if (!sender.FinSeen)
            {
                sender.FinNanoseconds = now;
            }

            sender.FinSeen = true;
            history.Add('F', fromOriginator);
        }

        if (!rst && !syn && !fin && packet.Window == 0)
        {
            if (sender.ZeroWindows == 0)
            {
                sender.FirstZeroWindowPacket = packetNumber;
            }

            sender.ZeroWindows++;
            history.AddCounted('W', fromOriginator, sender.ZeroWindows);
        }

        if (length > 0)
        {
            sender.DataSegments++;
            if (FillsReceiveWindow(flow, in receiver, seq + (uint)length))
            {
                sender.WindowFullSegments++;
            }

            if (length >= FlowDirection.LargeSegmentBytes && packet.DontFragment && !sender.LargeSegmentSent)
            {
                sender.LargeSegmentSent = true;
                sender.FirstLargeSegmentSequence = seq;
            }
        }

        AnalyzeSequence(flow, ref sender, ref receiver, fromOriginator, seq, length, syn, fin, rst, now, packet.DontFragment, packetNumber);
        bool acknowledgesNewData = ack && !rst && (!sender.AckKnown || SequenceMath.Greater(packet.Acknowledgment, sender.LastAck));
        AnalyzeAck(ref sender, packet, ack, length, syn, fin, rst, now);
        if (length > 0 || acknowledgesNewData)
        {
            sender.SilenceSinceActiveNanoseconds = 0;
        }

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

    /// <summary>
    /// Classifies a segment that does not advance the sequence space the way Wireshark does:
    /// keep-alive; fast retransmission (answers two or more duplicate ACKs within 20 ms);
    /// out-of-order (arrives within one handshake RTT, or 3 ms, of the highest segment and is
    /// not an exact resend of it); otherwise a retransmission.
    /// </summary>
    private static void AnalyzeSequence(Flow flow, ref FlowDirection sender, ref FlowDirection receiver, bool fromOriginator, uint seq, int length, bool syn, bool fin, bool rst, long now, bool dontFragment, long packetNumber)
    {
        uint segmentLength = (uint)length + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        uint end = seq + segmentLength;

        if (!sender.SequenceKnown)
        {
            sender.SequenceKnown = true;
            sender.InitialSequence = seq;
            sender.NextSequence = end;
            sender.NextSequenceNanoseconds = now;
            return;
        }

        if (rst || segmentLength == 0)
        {
            return;
        }

        if (!SequenceMath.Less(seq, sender.NextSequence))
        {
            if (SequenceMath.Greater(seq, sender.NextSequence))
            {
                sender.SequenceGaps++;
                flow.History.Add('G', fromOriginator);
            }

            Advance(ref sender, end, now);
            return;
        }

        if (length <= 1 && !syn && !fin && seq == sender.NextSequence - 1)
        {
            sender.KeepAlives++;
            return;
        }

        bool fastRetransmission = receiver.ConsecutiveDuplicateAcks >= 2 && receiver.LastAck == seq
            && now - receiver.LastAckNanoseconds < FastRetransmissionWindowNs;
        long threshold = flow.HandshakeNanoseconds > 0 ? flow.HandshakeNanoseconds : DefaultOutOfOrderThresholdNs;
        if (!fastRetransmission && end != sender.NextSequence && now - sender.NextSequenceNanoseconds < threshold)
        {
            sender.OutOfOrder++;
        }
        else
        {
            RecordRetransmission(flow, ref sender, in receiver, fromOriginator, seq, end, length, syn, dontFragment, packetNumber, now);
        }

        if (SequenceMath.Greater(end, sender.NextSequence))
        {
            Advance(ref sender, end, now);
        }
    }

    private static void RecordRetransmission(Flow flow, ref FlowDirection sender, in FlowDirection receiver, bool fromOriginator, uint seq, uint end, int length, bool syn, bool dontFragment, long packetNumber, long now)
    {
        if (sender.Retransmissions == 0)
        {
            sender.FirstRetransmissionPacket = packetNumber;
        }

        sender.Retransmissions++;
        flow.History.AddCounted('T', fromOriginator, sender.Retransmissions);

        if (receiver.AckKnown && !syn && !SequenceMath.Greater(end, receiver.LastAck))
        {
            sender.SpuriousRetransmissions++; // the receiver had acknowledged these bytes already
        }

        if (length >= FlowDirection.LargeSegmentBytes && dontFragment)
        {
            sender.LargeSegmentRetransmissions++;
        }

        if (syn && fromOriginator && flow.SynAckNanoseconds >= 0)
        {
            flow.SynRetriesAfterSynAck++;
        }

        // Consecutive resends of one segment, and whether the gaps between them grow (RTO backoff).
        if (sender.ResendsOfLastSegment > 0 && seq == sender.LastResentSequence)
        {
            long gap = now - sender.LastResendNanoseconds;
            if (sender.LastResendGapNanoseconds > 0 && gap > sender.LastResendGapNanoseconds * 3 / 2)
            {
                sender.BackoffSeen = true;
            }

            sender.LastResendGapNanoseconds = gap;
            sender.ResendsOfLastSegment++;
        }
        else
        {
            sender.LastResentSequence = seq;
            sender.ResendsOfLastSegment = 1;
            sender.LastResendGapNanoseconds = now - sender.NextSequenceNanoseconds;
        }

        sender.LastResendNanoseconds = now;
        sender.MaxResendsOfOneSegment = Math.Max(sender.MaxResendsOfOneSegment, sender.ResendsOfLastSegment);
    }

    /// <summary>The segment reaches the right edge of the window the receiver last advertised.</summary>
    private static bool FillsReceiveWindow(Flow flow, in FlowDirection receiver, uint end)
    {
        if (!receiver.AckKnown || receiver.LastWindow == 0)
        {
            return false;
        }

        // Window scaling applies only when both sides offered it in the handshake.
        int shift = flow.Originator.WindowScale >= 0 && flow.Responder.WindowScale >= 0 ? receiver.WindowScale : 0;
        uint rightEdge = receiver.LastAck + ((uint)receiver.LastWindow << shift);
        return end == rightEdge;
    }

    private static void Advance(ref FlowDirection sender, uint end, long now)
    {
        sender.NextSequence = end;
        sender.NextSequenceNanoseconds = now;
    }

    private static void AnalyzeAck(ref FlowDirection sender, DecodedPacket packet, bool ack, int length, bool syn, bool fin, bool rst, long now)
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
            sender.ConsecutiveDuplicateAcks++;
        }
        else if (acknowledgment != sender.LastAck)
        {
            sender.ConsecutiveDuplicateAcks = 0;
        }

        sender.LastAckNanoseconds = now;
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

        return (ushort)packet.IpIdentification == sender.LastIpId
            && packet.Sequence == sender.LastSequence
            && length == sender.LastLength
            && (ushort)packet.Flags == sender.LastFlags
            && now - sender.LastFrameNanoseconds is >= 0 and <= DuplicateFrameWindowNs;
    }

    private static void RememberFrame(ref FlowDirection sender, DecodedPacket packet, int length, long now)
    {
        sender.LastIpId = (ushort)packet.IpIdentification;
        sender.LastSequence = packet.Sequence;
        sender.LastLength = length;
        sender.LastFlags = (ushort)packet.Flags;
        sender.LastFrameNanoseconds = now;
    }
}
