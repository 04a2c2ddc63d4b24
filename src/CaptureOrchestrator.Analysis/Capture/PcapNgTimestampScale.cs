namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// Converts pcapng timestamp units (if_tsresol: 10^-n or 2^-n seconds) plus if_tsoffset into
/// nanoseconds since the epoch without overflow or floating point.
/// </summary>
internal readonly struct PcapNgTimestampScale
{
    private readonly long _multiplier;   // units * _multiplier / _divisor (power of ten) ...
    private readonly long _divisor;
    private readonly int _binaryShift;   // ... or units * 1e9 >> _binaryShift (power of two)
    private readonly long _offsetNanoseconds;

    private PcapNgTimestampScale(long multiplier, long divisor, int binaryShift, long offsetNanoseconds, string description)
    {
        _multiplier = multiplier;
        _divisor = divisor;
        _binaryShift = binaryShift;
        _offsetNanoseconds = offsetNanoseconds;
        Description = description;
    }

    public string Description { get; }

    /// <summary>Builds the scale from the raw if_tsresol byte and the if_tsoffset seconds.</summary>
    public static PcapNgTimestampScale FromResolutionByte(byte tsresol, long offsetSeconds)
    {
        long offsetNs = offsetSeconds * 1_000_000_000L;
        int exponent = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0)
        {
            return new PcapNgTimestampScale(0, 0, Math.Min(exponent, 63), offsetNs, $"2^-{exponent} s");
        }

        string name = exponent switch { 0 => "s", 3 => "ms", 6 => "us", 9 => "ns", 12 => "ps", _ => $"10^-{exponent} s" };
        if (exponent <= 9)
        {
            return new PcapNgTimestampScale(Pow10(9 - exponent), 1, -1, offsetNs, name);
        }

        return new PcapNgTimestampScale(1, exponent - 9 > 18 ? long.MaxValue : Pow10(exponent - 9), -1, offsetNs, name);
    }

    public long ToNanoseconds(ulong units)
    {
        Int128 value;
        if (_binaryShift >= 0)
        {
            value = ((Int128)units * 1_000_000_000) >> _binaryShift;
        }
        else
        {
            value = (Int128)units * _multiplier / _divisor;
        }

        value += _offsetNanoseconds;
        if (value > long.MaxValue)
        {
            return long.MaxValue;
        }

        return value < long.MinValue ? long.MinValue : (long)value;
    }

    private static long Pow10(int exponent)
    {
        long result = 1;
        for (int i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }
}
