using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests;

/// <summary>testdata/ travels with the repository so every run has the real data; it must stay exactly what was shared.</summary>
public sealed class VendoredTestDataTests
{
    [SharedFolderTheory]
    [InlineData("captures")]
    [InlineData("azure-rest")]
    public void The_copy_in_testdata_is_byte_for_byte_the_shared_folder(string folder) =>
        Assert.Empty(VendoredTestData.Differences(folder));

    [Theory]
    [InlineData("captures", "MANIFEST.md")]
    [InlineData("azure-rest", "README.md")]
    public void The_copy_carries_its_provenance(string folder, string provenance) =>
        Assert.True(File.Exists(Path.Combine(VendoredTestData.InRepository(folder), provenance)), $"testdata/{folder}/{provenance} is missing");
}
