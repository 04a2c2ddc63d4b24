namespace CaptureOrchestrator.Cli.Commands;

/// <summary>Writes output files atomically: to a temporary file beside the target, then renamed.</summary>
internal static class OutputFile
{
    public static bool Write(FileInfo target, Action<TextWriter> write, TextWriter stderr) =>
        WriteBinary(target, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            write(writer);
        }, stderr);

    public static bool WriteBinary(FileInfo target, Action<Stream> write, TextWriter stderr)
    {
        string temporary = target.FullName + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }

            File.Move(temporary, target.FullName, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot write {target.FullName}: {e.Message}");
            File.Delete(temporary);
            return false;
        }
    }
}
