namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>LINKTYPE_* values from the tcpdump.org link-layer header type registry.</summary>
public enum LinkType : ushort
{
    Null = 0,
    Ethernet = 1,
    /// <summary>DLT_RAW as old writers stored it in the file (same meaning as <see cref="Raw"/>).</summary>
    RawDlt12 = 12,

    /// <summary>DLT_RAW on OpenBSD.</summary>
    RawDlt14 = 14,
    Raw = 101,
    Loop = 108,
    LinuxSll = 113,
    Ipv4 = 228,
    Ipv6 = 229,
    LinuxSll2 = 276,
}

public static class LinkTypeNames
{
    public static string ToDisplayName(int linkType) => linkType switch
    {
        (int)LinkType.Null => "NULL",
        (int)LinkType.Ethernet => "ETHERNET",
        (int)LinkType.RawDlt12 or (int)LinkType.RawDlt14 or (int)LinkType.Raw => "RAW",
        (int)LinkType.Loop => "LOOP",
        (int)LinkType.LinuxSll => "LINUX_SLL",
        (int)LinkType.Ipv4 => "IPV4",
        (int)LinkType.Ipv6 => "IPV6",
        (int)LinkType.LinuxSll2 => "LINUX_SLL2",
        _ => $"LINKTYPE_{linkType}",
    };
}
