namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>The two colours of a service; each is one HAProxy backend named <c>&lt;service&gt;_&lt;colour&gt;</c>.</summary>
public enum Colour
{
    Blue,
    Green,
}
