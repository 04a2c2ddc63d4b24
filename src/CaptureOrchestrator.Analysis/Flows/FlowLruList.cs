namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Flows of one timeout class, least recently active first (intrusive doubly linked list).</summary>
internal sealed class FlowLruList
{
    public Flow? Oldest { get; private set; }

    public int Count { get; private set; }

    public void Append(Flow flow)
    {
        flow.Older = _newest;
        flow.Newer = null;
        flow.List = this;
        if (_newest is not null)
        {
            _newest.Newer = flow;
        }

        _newest = flow;
        Oldest ??= flow;
        Count++;
    }

    public void Remove(Flow flow)
    {
        if (flow.Older is not null)
        {
            flow.Older.Newer = flow.Newer;
        }
        else
        {
            Oldest = flow.Newer;
        }

        if (flow.Newer is not null)
        {
            flow.Newer.Older = flow.Older;
        }
        else
        {
            _newest = flow.Older;
        }

        flow.Older = flow.Newer = null;
        flow.List = null;
        Count--;
    }

    public bool IsNewest(Flow flow) => ReferenceEquals(_newest, flow);

    private Flow? _newest;
}
