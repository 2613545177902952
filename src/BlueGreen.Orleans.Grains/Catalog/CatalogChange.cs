namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>
/// One caller's change to the catalog, applied when the write that carries it starts, then held by the caller until that
/// write ended: a claim's check and its claim happen in one synchronous section, against the catalog as written so far.
/// </summary>
internal sealed class CatalogChange(Func<CatalogState, (CatalogState Next, string? Answer)> change)
{
    public CatalogChange(Func<CatalogState, CatalogState> change)
        : this(s => (change(s), null))
    {
    }

    /// <summary>What the change answers its caller (a claim: the key's other holder), once applied.</summary>
    public string? Answer { get; private set; }

    public CatalogState ApplyTo(CatalogState state)
    {
        (var next, Answer) = change(state);
        return next;
    }
}
