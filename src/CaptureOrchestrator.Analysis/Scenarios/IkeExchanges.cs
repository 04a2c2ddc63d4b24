namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>IKEv2 exchanges between two VPN peers, as a capture on either side shows them.</summary>
public static class IkeExchanges
{
    /// <summary>
    /// IKE_SA_INIT on UDP 500, answered; then IKE_AUTH on UDP 4500 (with the non-ESP marker),
    /// 2,400 bytes so that it leaves as IPv4 fragments. Unanswered, it is sent four times with
    /// doubling timeouts: the classic failure of a path that drops large fragmented IKE packets.
    /// </summary>
    /// <param name="scenario">The capture to add the exchange to.</param>
    /// <param name="initiator">The initiator's address.</param>
    /// <param name="responder">The responder's address.</param>
    /// <param name="initiatorSpi">The initiator's IKE SPI.</param>
    /// <param name="responderSpi">The responder's IKE SPI (from its IKE_SA_INIT answer).</param>
    /// <param name="authAnswered">The responder answers the first IKE_AUTH (the near miss).</param>
    public static void SiteToSite(ScenarioBuilder scenario, string initiator, string responder, ulong initiatorSpi, ulong responderSpi, bool authAnswered)
    {
        scenario.Udp($"{initiator}:500", $"{responder}:500", TimeSpan.FromMilliseconds(10))
            .Send(true, IkeMessageBuilder.IkeV2(initiatorSpi, 0, IkeMessageBuilder.IkeSaInit, response: false, length: 400)).Wait(TimeSpan.FromMilliseconds(30))
            .Send(false, IkeMessageBuilder.IkeV2(initiatorSpi, responderSpi, IkeMessageBuilder.IkeSaInit, response: true, length: 420));
        UdpConversation natT = scenario.Udp($"{initiator}:4500", $"{responder}:4500", TimeSpan.FromMilliseconds(40));
        byte[] auth = IkeMessageBuilder.WithNonEspMarker(IkeMessageBuilder.IkeV2(initiatorSpi, responderSpi, IkeMessageBuilder.IkeAuth, response: false, messageId: 1, length: 2400));
        for (int attempt = 0; attempt < (authAnswered ? 1 : 4); attempt++)
        {
            natT.SendFragmented(true, auth, ipId: (ushort)(0x6000 + attempt)).Wait(TimeSpan.FromSeconds(2 << attempt));
        }

        if (authAnswered)
        {
            natT.Send(false, IkeMessageBuilder.WithNonEspMarker(IkeMessageBuilder.IkeV2(initiatorSpi, responderSpi, IkeMessageBuilder.IkeAuth, response: true, messageId: 1, length: 500)));
        }
    }
}
