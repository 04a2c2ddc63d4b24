using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Derives Zeek's conn_state from what each side sent.</summary>
internal static class ConnectionStateClassifier
{
    public static ConnectionState Classify(Flow flow)
    {
        ref readonly FlowDirection orig = ref flow.Originator;
        ref readonly FlowDirection resp = ref flow.Responder;

        if (flow.Protocol != IpProtocol.Tcp)
        {
            return resp.Packets > 0 && orig.Packets > 0 ? ConnectionState.SF
                : flow.Protocol is IpProtocol.Udp ? ConnectionState.S0 : ConnectionState.OTH;
        }

        bool syn = orig.SynSeen;
        bool synAck = resp.SynAckSeen;

        if (syn && !synAck)
        {
            if (resp.RstSeen)
            {
                return ConnectionState.REJ;
            }

            if (orig.RstSeen)
            {
                return ConnectionState.RSTOS0;
            }

            if (orig.FinSeen)
            {
                return ConnectionState.SH;
            }

            // A responder that sent data or ACKs without a SYN-ACK still answered: call it established.
            return resp.Packets > 0 ? EstablishedState(flow) : ConnectionState.S0;
        }

        if (!syn && synAck)
        {
            if (resp.RstSeen && orig.Packets == 0)
            {
                return ConnectionState.RSTRH;
            }

            if (resp.FinSeen && orig.Packets == 0)
            {
                return ConnectionState.SHR;
            }

            return EstablishedState(flow);
        }

        if (!syn && !synAck)
        {
            return ConnectionState.OTH;
        }

        return EstablishedState(flow);
    }

    private static ConnectionState EstablishedState(Flow flow)
    {
        ref readonly FlowDirection orig = ref flow.Originator;
        ref readonly FlowDirection resp = ref flow.Responder;
        if (orig.RstSeen || resp.RstSeen)
        {
            // Whoever reset first decides.
            return flow.FirstResetByOriginator ? ConnectionState.RSTO : ConnectionState.RSTR;
        }

        if (orig.FinSeen && resp.FinSeen)
        {
            return ConnectionState.SF;
        }

        if (orig.FinSeen)
        {
            return ConnectionState.S2;
        }

        return resp.FinSeen ? ConnectionState.S3 : ConnectionState.S1;
    }
}
