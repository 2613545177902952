namespace BlueGreen.Orleans.Grains;

/// <summary>The grain storage every BlueGreen grain persists to (SQLite embedded, Redis in cluster mode).</summary>
public static class BlueGreenStorage
{
    public const string Name = "bluegreen";
}
