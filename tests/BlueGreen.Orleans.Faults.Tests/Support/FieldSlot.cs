using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>What kind of value a <see cref="FieldSlot"/> holds.</summary>
public enum SlotKind
{
    Text,
    TextList,
    MapKey,
    MapValue,
    Number,
    Fraction,
    Duration,
    EnumValue,
}

/// <summary>
/// One place in a request a client can put a value: a path of fields from the request message down to a string (also
/// an element of a repeated string, a key or value of a map), a number, an enum or a duration. Found by walking the
/// descriptors, so a field added to the proto gets hostile values without a test change.
/// </summary>
public sealed record FieldSlot(string Name, IReadOnlyList<FieldDescriptor> Path, SlotKind Kind)
{
    /// <summary>The proto name of the last field (e.g. <c>route_key</c>, <c>arguments</c>).</summary>
    public string Leaf => Path[^1].Name;

    /// <summary>Every slot of <paramref name="message"/>, nested messages included (the first element of a repeated one).</summary>
    public static IReadOnlyList<FieldSlot> Of(MessageDescriptor message) => [.. Walk(message, [], string.Empty)];

    private static IEnumerable<FieldSlot> Walk(MessageDescriptor message, IReadOnlyList<FieldDescriptor> prefix, string prefixName)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            var path = prefix.Append(field).ToList();
            var name = prefixName + field.Name;
            if (field.IsMap)
            {
                if (field.MessageType.FindFieldByNumber(1).FieldType == FieldType.String)
                {
                    yield return new FieldSlot(name + "{key}", path, SlotKind.MapKey);
                }

                if (field.MessageType.FindFieldByNumber(2).FieldType == FieldType.String)
                {
                    yield return new FieldSlot(name + "{value}", path, SlotKind.MapValue);
                }

                continue;
            }

            switch (field.FieldType)
            {
                case FieldType.String:
                    yield return new FieldSlot(field.IsRepeated ? name + "[]" : name, path, field.IsRepeated ? SlotKind.TextList : SlotKind.Text);
                    break;
                case FieldType.Int32 or FieldType.Int64 or FieldType.SInt32 or FieldType.SInt64 or FieldType.SFixed32 or FieldType.SFixed64 when !field.IsRepeated:
                    yield return new FieldSlot(name, path, SlotKind.Number);
                    break;
                case FieldType.Double or FieldType.Float when !field.IsRepeated:
                    yield return new FieldSlot(name, path, SlotKind.Fraction);
                    break;
                case FieldType.Enum when !field.IsRepeated:
                    yield return new FieldSlot(name, path, SlotKind.EnumValue);
                    break;
                case FieldType.Message when field.MessageType.FullName == Duration.Descriptor.FullName:
                    yield return new FieldSlot(name, path, SlotKind.Duration);
                    break;
                case FieldType.Message when !field.MessageType.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal):
                    foreach (var nested in Walk(field.MessageType, path, name + (field.IsRepeated ? "[0]." : ".")))
                    {
                        yield return nested;
                    }

                    break;
            }
        }
    }

    /// <summary>The value the slot holds in <paramref name="root"/> (the first element of a list), or null.</summary>
    public object? Read(IMessage root)
    {
        var holder = Navigate(root, create: false);
        if (holder is null)
        {
            return null;
        }

        var value = Path[^1].Accessor.GetValue(holder);
        return value switch
        {
            IDictionary map => map,
            IList list => list.Count > 0 ? list[0] : null,
            _ => value,
        };
    }

    /// <summary>Puts <paramref name="value"/> in the slot: sets it, appends it to a list, or adds it to a map as key or value.</summary>
    public void Write(IMessage root, object value)
    {
        var holder = Navigate(root, create: true)!;
        var field = Path[^1];
        switch (Kind)
        {
            case SlotKind.TextList:
                ((IList)field.Accessor.GetValue(holder)).Add(value);
                break;
            case SlotKind.MapKey:
                ((IDictionary)field.Accessor.GetValue(holder))[value] = "v";
                break;
            case SlotKind.MapValue:
                ((IDictionary)field.Accessor.GetValue(holder))["hostile"] = value;
                break;
            case SlotKind.EnumValue:
                field.Accessor.SetValue(holder, System.Enum.ToObject(field.EnumType.ClrType, (int)value));
                break;
            case SlotKind.Number when field.FieldType is FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                field.Accessor.SetValue(holder, checked((int)(long)value));
                break;
            case SlotKind.Fraction when field.FieldType == FieldType.Float:
                field.Accessor.SetValue(holder, (float)(double)value);
                break;
            default:
                field.Accessor.SetValue(holder, value);
                break;
        }
    }

    /// <summary>
    /// True when <paramref name="written"/> reads back from <paramref name="root"/> exactly (a stored value the server
    /// echoes, e.g. the spec in ApplyService's reply). Walks by field name, so a reply type that shares the request's
    /// field names can be read too.
    /// </summary>
    public bool Holds(IMessage root, object written)
    {
        IMessage? current = root;
        foreach (var field in Path.Take(Path.Count - 1))
        {
            var own = current?.Descriptor.FindFieldByName(field.Name);
            if (own is null)
            {
                return false;
            }

            current = own.Accessor.GetValue(current) switch
            {
                IList { Count: > 0 } list => list[0] as IMessage,
                IMessage m => m,
                _ => null,
            };
        }

        var last = current?.Descriptor.FindFieldByName(Path[^1].Name);
        if (last is null)
        {
            return false;
        }

        var value = last.Accessor.GetValue(current);
        return Kind switch
        {
            SlotKind.TextList => ((IList)value).Contains(written),
            SlotKind.MapKey => ((IDictionary)value).Contains(written),
            SlotKind.MapValue => ((IDictionary)value)["hostile"] is string s && s == (string)written,
            _ => Equals(value, written),
        };
    }

    private IMessage? Navigate(IMessage root, bool create)
    {
        var current = root;
        foreach (var field in Path.Take(Path.Count - 1))
        {
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(current);
                if (list.Count == 0)
                {
                    if (!create)
                    {
                        return null;
                    }

                    list.Add(Activator.CreateInstance(field.MessageType.ClrType)!);
                }

                current = (IMessage)list[0]!;
                continue;
            }

            var child = (IMessage?)field.Accessor.GetValue(current);
            if (child is null)
            {
                if (!create)
                {
                    return null;
                }

                child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                field.Accessor.SetValue(current, child);
            }

            current = child;
        }

        return current;
    }

    public override string ToString() => Name;
}
