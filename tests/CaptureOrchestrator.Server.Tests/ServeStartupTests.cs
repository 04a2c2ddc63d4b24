namespace CaptureOrchestrator.Server.Tests;

/// <summary>The real serve process, as a newcomer starts it: what it says at start-up.</summary>
public sealed class ServeStartupTests
{
    [Fact]
    public async Task Serve_on_plain_http_without_a_storage_account_says_which_targets_it_will_refuse_and_why()
    {
        string data = Path.Combine(Path.GetTempPath(), "co-serve-" + Guid.NewGuid().ToString("N"));
        string urls = $"http://127.0.0.1:{ServeProcess.FreePort()}";
        await using ServeProcess serve = ServeProcess.Start(urls, new Dictionary<string, string?>
        {
            ["CaptureOrchestrator:Api:SigningKey"] = "shared secret",
            ["CaptureOrchestrator:DataFolder"] = data,
        });
        try
        {
            await serve.WaitUntilServingAsync(new Uri(urls));
            await serve.WaitForLineAsync(line => line.Contains("VpnGateway targets will be refused", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(30));

            string[] warnings = [.. serve.Lines.Where(l => l.Contains("targets will be refused", StringComparison.Ordinal))];
            Assert.Contains(warnings, w => w.Contains("VirtualMachine targets will be refused", StringComparison.Ordinal) && w.Contains("Storage:CaptureAccountResourceId", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("Firewall targets will be refused", StringComparison.Ordinal) && w.Contains("PublicUrl", StringComparison.Ordinal));
            Assert.Equal(7, warnings.Length); // every kind: VMs and scale sets for storage, the gateway kinds and the firewall for https
        }
        finally
        {
            await serve.KillAsync();
            Directory.Delete(data, recursive: true);
        }
    }
}
