using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// Blob containers as folders under one root: each blob is a plain file at its name's path (each
/// segment percent-escaped, so every name is a safe file name and nothing escapes the root), its
/// content type beside it under ".meta", staged blocks under ".blocks" until committed. Writes go to a
/// temporary file that is renamed into place, so a reader sees the old blob or the new one, never a mix;
/// the ETag comes from the file itself (time and size) for the same reason.
/// </summary>
internal sealed partial class LocalBlobFiles
{
    private const string DefaultContentType = "application/octet-stream";

    private readonly string _root;

    public LocalBlobFiles(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, ".tmp"));
    }

    /// <summary>Creates the container's folder; false when it already exists.</summary>
    public bool CreateContainer(string container)
    {
        string folder = ContainerFolder(container);
        if (Directory.Exists(folder))
        {
            return false;
        }

        Directory.CreateDirectory(folder);
        return true;
    }

    public LocalBlob? Find(string container, string name)
    {
        var file = new FileInfo(BlobFile(container, name));
        return file.Exists ? Describe(container, name, file) : null;
    }

    /// <summary>The blob's content, readable while a writer replaces it (the reader keeps the old file).</summary>
    public FileStream OpenRead(string container, string name) =>
        new(BlobFile(container, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);

    /// <summary>Put Blob: the body becomes the blob, replacing it unless <paramref name="mustNotExist"/>.</summary>
    public async Task<LocalBlob> WriteAsync(string container, string name, Stream body, string? contentType, bool mustNotExist, CancellationToken cancellationToken)
    {
        string target = BlobFile(container, name); // validates the name before anything is written
        string temporary = await SpoolAsync(body, cancellationToken).ConfigureAwait(false);
        try
        {
            return Commit(container, name, target, temporary, contentType, mustNotExist);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Put Block: keeps the block until a block list commits it.</summary>
    public async Task StageBlockAsync(string container, string name, string blockId, Stream body, CancellationToken cancellationToken)
    {
        _ = BlobFile(container, name);
        string block = Path.Combine(BlockFolder(container, name), BlockFileName(blockId));
        Directory.CreateDirectory(Path.GetDirectoryName(block)!);
        File.Move(await SpoolAsync(body, cancellationToken).ConfigureAwait(false), block, overwrite: true);
    }

    /// <summary>Put Block List: the staged blocks, in the order given, become the blob.</summary>
    public async Task<LocalBlob> CommitBlocksAsync(string container, string name, IReadOnlyList<string> blockIds, string? contentType, bool mustNotExist, CancellationToken cancellationToken)
    {
        string target = BlobFile(container, name);
        string folder = BlockFolder(container, name);
        string temporary = TemporaryFile();
        try
        {
            await using (FileStream file = File.Create(temporary))
            {
                foreach (string id in blockIds)
                {
                    string block = Path.Combine(folder, BlockFileName(id));
                    if (!File.Exists(block))
                    {
                        throw new LocalBlobException(400, "InvalidBlockList", $"The block list names block '{id}', which was not uploaded for '{name}'.");
                    }

                    await using FileStream part = File.OpenRead(block);
                    await part.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }

            LocalBlob committed = Commit(container, name, target, temporary, contentType, mustNotExist);
            Directory.Delete(folder, recursive: true);
            return committed;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Deletes the blob; false when there was none.</summary>
    public bool Delete(string container, string name)
    {
        string file = BlobFile(container, name);
        if (!File.Exists(file))
        {
            return false;
        }

        File.Delete(file);
        File.Delete(MetaFile(container, name));
        return true;
    }

    /// <summary>List Blobs: names starting with <paramref name="prefix"/> after <paramref name="marker"/>, in ordinal order, at most <paramref name="max"/>.</summary>
    public (IReadOnlyList<LocalBlob> Blobs, string? NextMarker) List(string container, string? prefix, string? marker, int max)
    {
        string folder = ContainerFolder(container);
        List<(string Name, FileInfo File)> matches = [.. new DirectoryInfo(folder)
            .EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(file => (Name: NameOf(Path.GetRelativePath(folder, file.FullName)), File: file))
            .Where(blob => (prefix is null || blob.Name.StartsWith(prefix, StringComparison.Ordinal)) && (marker is null || string.CompareOrdinal(blob.Name, marker) > 0))
            .OrderBy(blob => blob.Name, StringComparer.Ordinal)];
        LocalBlob[] page = [.. matches.Take(max).Select(blob => Describe(container, blob.Name, blob.File))];
        return (page, matches.Count > max ? page[^1].Name : null);
    }

    public bool ContainerExists(string container) => Directory.Exists(ContainerFolder(container));

    private LocalBlob Commit(string container, string name, string target, string temporary, string? contentType, bool mustNotExist)
    {
        string meta = MetaFile(container, name);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.CreateDirectory(Path.GetDirectoryName(meta)!);
            if (mustNotExist && File.Exists(target))
            {
                throw new LocalBlobException(409, "BlobAlreadyExists", $"The blob '{name}' already exists.");
            }

            File.WriteAllText(meta, contentType ?? DefaultContentType);
            File.Move(temporary, target, overwrite: !mustNotExist);
        }
        catch (IOException) when (mustNotExist && File.Exists(target))
        {
            throw new LocalBlobException(409, "BlobAlreadyExists", $"The blob '{name}' already exists.");
        }
        catch (IOException ex)
        {
            // A name that is a folder of other blobs here ("a" beside "a/b"): Azure allows both, a file system does not.
            throw new LocalBlobException(409, "LocalNameConflict", $"The local blob store cannot hold '{name}' beside blobs whose names continue it or that it continues ({ex.Message}).");
        }

        return Describe(container, name, new FileInfo(target));
    }

    private LocalBlob Describe(string container, string name, FileInfo file)
    {
        string meta = MetaFile(container, name);
        string contentType = File.Exists(meta) ? File.ReadAllText(meta) : DefaultContentType;
        DateTime written = file.LastWriteTimeUtc;
        string etag = "0x" + written.Ticks.ToString("X", CultureInfo.InvariantCulture) + file.Length.ToString("X", CultureInfo.InvariantCulture);
        return new LocalBlob(name, file.Length, etag, new DateTimeOffset(written), contentType);
    }

    private string TemporaryFile() => Path.Combine(_root, ".tmp", Guid.NewGuid().ToString("N"));

    /// <summary>The body in a temporary file of its own, to be renamed into place.</summary>
    private async Task<string> SpoolAsync(Stream body, CancellationToken cancellationToken)
    {
        string temporary = TemporaryFile();
        try
        {
            await using FileStream file = File.Create(temporary);
            await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            return temporary;
        }
        catch
        {
            File.Delete(temporary); // an upload cut off part-way leaves nothing behind
            throw;
        }
    }

    private string ContainerFolder(string container)
    {
        if (!ContainerName().IsMatch(container) || container.Contains("--", StringComparison.Ordinal))
        {
            throw new LocalBlobException(400, "InvalidResourceName", $"'{container}' is not a container name (3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit).");
        }

        return Path.Combine(_root, container);
    }

    private string BlobFile(string container, string name) => Path.Combine(ContainerFolder(container), RelativePath(name));

    private string MetaFile(string container, string name) => Path.Combine(_root, ".meta", container, RelativePath(name));

    private string BlockFolder(string container, string name) =>
        Path.Combine(_root, ".blocks", container, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name))));

    private static string BlockFileName(string blockId)
    {
        if (blockId.Length is 0 or > 88) // 64 bytes, base64
        {
            throw new LocalBlobException(400, "InvalidQueryParameterValue", "A block id is 1 to 64 bytes, base64-encoded.");
        }

        return Uri.EscapeDataString(blockId);
    }

    /// <summary>The file path of a blob name; names that could not be stored faithfully are refused.</summary>
    private static string RelativePath(string name)
    {
        string[] segments = name.Split('/');
        if (name.Length is 0 or > 1024 || segments.Any(s => s is "" or "." or ".." || Uri.EscapeDataString(s).Length > 255))
        {
            throw new LocalBlobException(400, "InvalidResourceName",
                $"The local blob store cannot hold the blob name '{name}': 1-1,024 characters, no empty, '.' or '..' segments, each segment at most 255 characters once escaped.");
        }

        return Path.Combine([.. segments.Select(Uri.EscapeDataString)]);
    }

    private static string NameOf(string relativePath) =>
        string.Join('/', relativePath.Split(Path.DirectorySeparatorChar).Select(Uri.UnescapeDataString));

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
