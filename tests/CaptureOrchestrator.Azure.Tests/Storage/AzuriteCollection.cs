using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Storage;

/// <summary>One Azurite (HTTPS, OAuth on) for the storage tests of this assembly; xunit needs the definition here.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "Azurite";
}
