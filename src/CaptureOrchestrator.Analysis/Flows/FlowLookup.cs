using System.Runtime.CompilerServices;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// The flow table's index: open addressing with linear probing over 16-byte slots, each the flow
/// and its key's hash. A lookup reads one cache line of slots (rarely two) and the flow whose hash
/// matches; the dictionary it replaces read a bucket, then an entry holding a copy of the 48-byte
/// key, then the flow, in twice the memory. The hash is worked out once per packet, on the decoding
/// thread (<see cref="PacketFlowKey"/>), so the lookup takes it as an argument.
/// </summary>
internal sealed class FlowLookup
{
    private const int MinimumSlots = 1 << 12;

    private Slot[] _slots;
    private int _mask;

    public FlowLookup(int expectedFlows)
    {
        _slots = new Slot[SlotsFor(expectedFlows)];
        _mask = _slots.Length - 1;
    }

    public int Count { get; private set; }

    public Flow? Find(in FlowKey key, int hash)
    {
        int i = IndexOf(key, hash);
        return i < 0 ? null : _slots[i].Flow;
    }

    /// <summary>Adds a flow whose key is not in the index.</summary>
    public void Add(Flow flow, int hash)
    {
        // At most half full: probe sequences stay short and an empty slot always ends a probe.
        if ((Count + 1) * 2 > _slots.Length)
        {
            Grow();
        }

        Insert(_slots, _mask, flow, hash);
        Count++;
    }

    public bool Remove(in FlowKey key, int hash)
    {
        int i = IndexOf(key, hash);
        if (i < 0)
        {
            return false;
        }

        // Backward-shift deletion: move later members of the probe run into the hole, so that no
        // tombstones are needed and lookups stay as short as they were.
        Slot[] slots = _slots;
        int hole = i;
        for (int j = (hole + 1) & _mask; slots[j].Flow is not null; j = (j + 1) & _mask)
        {
            int home = slots[j].Hash & _mask;
            bool staysPut = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!staysPut)
            {
                slots[hole] = slots[j];
                hole = j;
            }
        }

        slots[hole] = default;
        Count--;
        return true;
    }

    /// <summary>The slot holding the flow for <paramref name="key"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the per-packet lookup
    private int IndexOf(in FlowKey key, int hash)
    {
        Slot[] slots = _slots;
        for (int i = hash & _mask; ; i = (i + 1) & _mask)
        {
            ref readonly Slot slot = ref slots[i];
            if (slot.Flow is not { } flow)
            {
                return -1;
            }

            if (slot.Hash == hash && flow.Key.Equals(key))
            {
                return i;
            }
        }
    }

    private static int SlotsFor(int flows)
    {
        int slots = MinimumSlots;
        while (slots < flows * 2)
        {
            slots <<= 1;
        }

        return slots;
    }

    private void Grow()
    {
        var larger = new Slot[_slots.Length * 2];
        int mask = larger.Length - 1;
        foreach (Slot slot in _slots)
        {
            if (slot.Flow is { } flow)
            {
                Insert(larger, mask, flow, slot.Hash);
            }
        }

        _slots = larger;
        _mask = mask;
    }

    private static void Insert(Slot[] slots, int mask, Flow flow, int hash)
    {
        int i = hash & mask;
        while (slots[i].Flow is not null)
        {
            i = (i + 1) & mask;
        }

        slots[i] = new Slot(flow, hash);
    }

    private readonly struct Slot(Flow flow, int hash)
    {
        public Flow? Flow { get; } = flow;

        public int Hash { get; } = hash;
    }
}
