namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Connection states in the vocabulary of Zeek's conn.log <c>conn_state</c>, so they read
/// familiar to anyone who has used Zeek.
/// </summary>
public enum ConnectionState
{
    /// <summary>Connection attempt seen, no reply.</summary>
    S0,

    /// <summary>Connection established, not terminated.</summary>
    S1,

    /// <summary>Normal establishment and termination (for UDP and others: both directions seen).</summary>
    SF,

    /// <summary>Connection attempt rejected (SYN answered by RST).</summary>
    REJ,

    /// <summary>Established, originator sent FIN, no FIN from the responder.</summary>
    S2,

    /// <summary>Established, responder sent FIN, no FIN from the originator.</summary>
    S3,

    /// <summary>Established, originator aborted (sent a RST).</summary>
    RSTO,

    /// <summary>Established, responder sent a RST.</summary>
    RSTR,

    /// <summary>Originator sent a SYN then a RST; no SYN-ACK seen.</summary>
    RSTOS0,

    /// <summary>Responder sent a SYN-ACK then a RST; no SYN from the originator seen.</summary>
    RSTRH,

    /// <summary>Originator sent a SYN then a FIN; no SYN-ACK seen ("half open").</summary>
    SH,

    /// <summary>Responder sent a SYN-ACK then a FIN; no SYN from the originator seen.</summary>
    SHR,

    /// <summary>No SYN seen: mid-stream traffic.</summary>
    OTH,
}

public static class ConnectionStateExtensions
{
    /// <summary>The connection never carried a working exchange, or was aborted.</summary>
    public static bool IsFailure(this ConnectionState state) => state is
        ConnectionState.S0 or ConnectionState.REJ or ConnectionState.RSTO or ConnectionState.RSTR
        or ConnectionState.RSTOS0 or ConnectionState.RSTRH or ConnectionState.SH or ConnectionState.SHR;

    public static string Describe(this ConnectionState state) => state switch
    {
        ConnectionState.S0 => "attempt, no reply",
        ConnectionState.S1 => "established, not closed",
        ConnectionState.SF => "established and closed normally",
        ConnectionState.REJ => "rejected (RST to SYN)",
        ConnectionState.S2 => "established, originator closed, no reply to its FIN",
        ConnectionState.S3 => "established, responder closed, no reply to its FIN",
        ConnectionState.RSTO => "established, reset by originator",
        ConnectionState.RSTR => "established, reset by responder",
        ConnectionState.RSTOS0 => "SYN then RST by originator, no SYN-ACK",
        ConnectionState.RSTRH => "SYN-ACK then RST by responder, no SYN seen",
        ConnectionState.SH => "SYN then FIN by originator, no SYN-ACK",
        ConnectionState.SHR => "SYN-ACK then FIN by responder, no SYN seen",
        _ => "mid-stream traffic, no handshake seen",
    };
}
