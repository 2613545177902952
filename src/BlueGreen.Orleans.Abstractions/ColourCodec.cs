using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace BlueGreen.Orleans;

/// <summary>
/// Orleans' codec for <see cref="Colour"/>, which lives in a project without Orleans: the same bytes the generated
/// codec wrote when the enum carried <c>[GenerateSerializer]</c> (an Int32 field), so persisted grain state still loads.
/// </summary>
[RegisterSerializer]
internal sealed class ColourCodec : IFieldCodec<Colour>
{
    private static readonly Type CodecFieldType = typeof(Colour);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, Colour value)
        where TBufferWriter : System.Buffers.IBufferWriter<byte> =>
        Int32Codec.WriteField(ref writer, fieldIdDelta, expectedType, (int)value, CodecFieldType);

    public Colour ReadValue<TInput>(ref Reader<TInput> reader, Field field) => (Colour)Int32Codec.ReadValue(ref reader, field);
}
