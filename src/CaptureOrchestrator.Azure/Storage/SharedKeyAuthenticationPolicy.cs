using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>Signs each attempt with the account key (the Blob service's SharedKey scheme).</summary>
internal sealed class SharedKeyAuthenticationPolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        Request request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        long length = request.Content is not null && request.Content.TryComputeLength(out long l) ? l : 0;
        Uri uri = request.Uri.ToUri();
        string stringToSign = SharedKeyStringToSign.Build(
            request.Method.Method, request.Headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), length, credential.AccountName, uri.AbsolutePath, uri.Query);
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{credential.ComputeHmacSha256(stringToSign)}");
    }
}
