using System.Security.Cryptography;

namespace CaptureOrchestrator.Server;

/// <summary>
/// A key the self-hosted server generates for itself into its data folder when none is configured
/// (the local blob store's account key, the sandbox's signing key): created once, readable by the
/// owner only, and the same for every process sharing the folder.
/// </summary>
internal static class GeneratedKeyFile
{
    /// <summary>The key in <paramref name="file"/>, written first as <paramref name="bytes"/> random bytes in base64 if the file does not exist.</summary>
    public static string ReadOrCreate(string file, int bytes)
    {
        if (!File.Exists(file))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var writer = new StreamWriter(file, options);
                writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)));
            }
            catch (IOException) when (File.Exists(file))
            {
                // Another process created it first; use theirs.
            }
        }

        return File.ReadAllText(file).Trim();
    }
}
