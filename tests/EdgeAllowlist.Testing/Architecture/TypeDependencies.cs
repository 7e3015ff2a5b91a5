using System.Reflection;
using System.Reflection.Emit;

namespace EdgeAllowlist.Testing.Architecture;

/// <summary>
/// Which types each type of an assembly uses, read by reflection: base type, interfaces, attributes,
/// fields, properties, method and constructor signatures, and every type, field or method token in
/// the method bodies' IL (so a <c>new</c>, a static call or a <c>typeof</c> counts, not only
/// signatures). Nested and compiler-made types (lambdas, async state machines) count for the type
/// they sit in, because they share its namespace.
/// </summary>
public static class TypeDependencies
{
    const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Every (using type, used type) pair of the assembly; the used type is never a generic parameter.</summary>
    public static IEnumerable<(Type From, Type To)> Of(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
            foreach (var used in Used(type).SelectMany(Expand).Distinct())
                yield return (type, used);
    }

    static IEnumerable<Type> Used(Type type)
    {
        if (type.BaseType is { } baseType)
            yield return baseType;
        foreach (var contract in type.GetInterfaces())
            yield return contract;
        foreach (var attribute in type.CustomAttributes)
            yield return attribute.AttributeType;
        foreach (var field in type.GetFields(Declared))
            yield return field.FieldType;
        foreach (var property in type.GetProperties(Declared))
            yield return property.PropertyType;
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo { ReturnType: var returns })
                yield return returns;
            foreach (var parameter in method.GetParameters())
                yield return parameter.ParameterType;
            foreach (var used in InBody(method))
                yield return used;
        }
    }

    /// <summary>The types named by the tokens of the method's IL.</summary>
    static IEnumerable<Type> InBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            short code = il[at++];
            if (code == 0xFE)
                code = unchecked((short)(0xFE00 | il[at++]));
            var operand = Operands[code];
            switch (operand)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException)
                    {
                        // A token the runtime cannot resolve in this generic context names nothing we check.
                    }
                    switch (member)
                    {
                        case Type used:
                            yield return used;
                            break;
                        case FieldInfo field:
                            if (field.DeclaringType is { } owner) yield return owner;
                            yield return field.FieldType;
                            break;
                        case MethodBase called:
                            if (called.DeclaringType is { } callee) yield return callee;
                            if (called is MethodInfo calledMethod) yield return calledMethod.ReturnType;
                            foreach (var parameter in called.GetParameters()) yield return parameter.ParameterType;
                            if (called.IsGenericMethod) foreach (var argument in called.GetGenericArguments()) yield return argument;
                            break;
                    }
                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }

    /// <summary>A type with the types it is made of: element types and generic arguments, never generic parameters.</summary>
    static IEnumerable<Type> Expand(Type type)
    {
        if (type.IsGenericParameter)
            yield break;
        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!))
                yield return inner;
            yield break;
        }
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
            foreach (var argument in type.GetGenericArguments())
                foreach (var inner in Expand(argument))
                    yield return inner;
    }
}
