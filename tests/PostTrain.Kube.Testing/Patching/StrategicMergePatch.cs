using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Patching;

/// <summary>
/// Applies a Kubernetes strategic merge patch (<c>application/strategic-merge-patch+json</c>) the way
/// k8s.io/apimachinery's pkg/util/strategicpatch does on the server (StrategicMergeMapPatch):
/// <list type="bullet">
/// <item>maps merge recursively and <c>null</c> deletes a key; values new to the original lose their null
/// fields and their <c>$patch</c> maps;</item>
/// <item>a list of maps with the merge strategy merges by its merge key: patch elements update their match or are
/// added, and the result takes the patch's order for its elements, with the elements only the original has kept
/// in their original order around them;</item>
/// <item>a list of primitives with the merge strategy merges as a set, ordered the same way;</item>
/// <item>any other list, and any field with the replace strategy, takes the patch's value as it is;</item>
/// <item>directives: <c>$patch: replace</c> (on a map, or as a list element), <c>$patch: delete</c> (on a map, or
/// as a list element naming its merge key), <c>$setElementOrder/field</c>, <c>$deleteFromPrimitiveList/field</c>
/// and <c>$retainKeys</c>. <c>$patch: merge</c> is rejected, as apimachinery rejects it.</item>
/// </list>
/// Errors are <see cref="ApiStatusException"/>s with kube-apiserver's codes: 400 for a malformed directive, 422 for
/// a list of lists, and 500 for the rest (a missing merge key, mismatched element types, a <c>$setElementOrder</c>
/// list that contradicts the patch's order), which the real server answers with 500 as well.
/// </summary>
public static class StrategicMergePatch
{
    private const string DirectiveMarker = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="original"/> under <paramref name="schema"/> and returns the
    /// result; neither input is modified.
    /// </summary>
    /// <param name="original">The live object (a JSON object); null stands for an empty object.</param>
    /// <param name="patch">The patch document, a JSON object; null changes nothing.</param>
    /// <param name="schema">The merge keys and strategies of the object's kind (see <see cref="BuiltInPatchSchemas"/>).</param>
    /// <exception cref="ArgumentException">The original is not a JSON object.</exception>
    /// <exception cref="ApiStatusException">The patch is not a valid strategic merge patch for the original.</exception>
    public static JsonObject Apply(JsonNode? original, JsonNode? patch, PatchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var target = original switch
        {
            null => new JsonObject(),
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new ArgumentException("the original document must be a JSON object", nameof(original)),
        };
        return patch switch
        {
            null => target,
            JsonObject p => MergeMap(target, (JsonObject)p.DeepClone(), schema),
            _ => throw ApiStatusException.BadRequest($"json: cannot unmarshal {Describe(patch)} into Go value of type map[string]interface {{}}"),
        };
    }

    // Both arguments are the caller's clones: the original map is updated in place, and the patch is consumed.
    private static JsonObject MergeMap(JsonObject original, JsonObject patch, PatchSchema schema)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            return MapDirective(directive, patch);
        }

        ApplyRetainKeys(original, patch);
        ApplySetElementOrder(original, patch, schema);
        foreach (var (patchKey, patchValue) in patch.ToList())
        {
            var key = patchKey;
            var isDeleteList = false;
            if (patchKey.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                key = ExtractKey(patchKey, DeleteFromPrimitiveListPrefix, "invalid patch format of primitive list");
                isDeleteList = true;
            }

            if (patchValue is null)
            {
                original.Remove(key);
                continue;
            }

            if (!original.TryGetPropertyValue(key, out var originalValue) || KindOf(originalValue) != KindOf(patchValue))
            {
                // New to the original, or of another type: the patch's value, cleaned; a delete list never adds.
                if (!isDeleteList)
                {
                    SetCleaned(original, key, patchValue);
                }

                continue;
            }

            var field = schema.Field(key);
            switch (originalValue)
            {
                case JsonObject originalMap:
                    Set(original, key, field.Strategy == PatchStrategy.Replace
                        ? patchValue
                        : MergeMap(originalMap, (JsonObject)patchValue, field.Schema));
                    break;
                case JsonArray originalList:
                    Set(original, key, field.Strategy == PatchStrategy.Merge || isDeleteList
                        ? new JsonArray([.. MergeList(originalList, (JsonArray)patchValue, field, isDeleteList)])
                        : patchValue);
                    break;
                default:
                    Set(original, key, patchValue);
                    break;
            }
        }

        return original;
    }

    private static JsonObject MapDirective(JsonNode? directive, JsonObject patch)
    {
        switch (StringOf(directive))
        {
            case "replace":
                // The patch's map as it is, in place of the original's.
                patch.Remove(DirectiveMarker);
                return patch;
            case "delete":
                return new JsonObject();
            default:
                throw Internal($"unknown patch type: {Render(directive)} in map: {Render(patch)}");
        }
    }

    // $retainKeys: the original keeps only the listed keys, and the patch may set no other.
    private static void ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            return;
        }

        patch.Remove(RetainKeysDirective);
        if (retain is not JsonArray list)
        {
            throw ApiStatusException.BadRequest("invalid patch format of retainKeys");
        }

        var keep = list.Select(StringOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is null
                || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!keep.Contains(key))
            {
                throw ApiStatusException.BadRequest("invalid patch format of retainKeys");
            }
        }

        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
    }

    // $setElementOrder/field: merge the field's list (if the patch has it) and order the result: the listed elements
    // in the listed order, the original's other elements in their original order, interleaved.
    private static void ApplySetElementOrder(JsonObject original, JsonObject patch, PatchSchema schema)
    {
        foreach (var (directiveKey, directiveValue) in patch.ToList())
        {
            if (!directiveKey.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            patch.Remove(directiveKey);
            if (directiveValue is not JsonArray orderList)
            {
                throw Internal(BadArgType("[]interface {}", directiveValue));
            }

            var key = ExtractKey(directiveKey, SetElementOrderPrefix, "invalid patch format of setElementOrder list");
            var order = orderList.ToList();
            var hasOriginal = original.TryGetPropertyValue(key, out var originalNode);
            var hasPatch = patch.TryGetPropertyValue(key, out var patchNode);
            var originalList = hasOriginal ? originalNode as JsonArray ?? throw Internal(BadArgType("[]interface {}", originalNode)) : null;
            var patchList = hasPatch ? patchNode as JsonArray ?? throw Internal(BadArgType("[]interface {}", patchNode)) : null;
            var field = schema.Field(key);
            var mergeKey = field.MergeKey ?? "";
            ValidateOrder(patchList, order, mergeKey);

            var originalItems = originalList?.ToList() ?? [];
            var patchItems = patchList?.ToList() ?? [];
            List<JsonNode?> merged;
            if (originalList is not null && patchList is not null)
            {
                if (field.Strategy == PatchStrategy.Merge)
                {
                    merged = MergeList(originalList, patchList, field, isDeleteList: false, out var originalView);
                    originalItems = originalView;
                }
                else
                {
                    merged = Detach(patchList);
                }
            }
            else if (originalList is not null)
            {
                merged = Detach(originalList);
            }
            else if (patchList is not null)
            {
                merged = Detach(patchList);
                RemoveDirectives(merged);
            }
            else
            {
                continue;
            }

            var isMap = ElementKind(originalItems, patchItems) == ValueKind.Object;
            var (listed, unlisted) = mergeKey.Length == 0
                ? Partition(merged, order, (item, listItems) => Contains(listItems, item))
                : Partition(merged, order, (item, listItems) => FindByKey(listItems, mergeKey, MergeKeyValue(item, mergeKey)) >= 0);
            var ordered = NormalizeOrder(listed, unlisted, order, originalItems, mergeKey, isMap);
            original[key] = new JsonArray([.. ordered]);
            patch.Remove(key);
        }
    }

    // The patch's elements that are not deletions must appear in the $setElementOrder list, in the same order.
    private static void ValidateOrder(JsonArray? patchList, List<JsonNode?> order, string mergeKey)
    {
        if (order.Count == 0 || patchList is null || patchList.Count == 0)
        {
            return;
        }

        var items = patchList.ToList();
        if (mergeKey.Length > 0)
        {
            items = items.Select(i => i as JsonObject ?? throw Internal(BadArgType("map[string]interface {}", i)))
                .Where(i => StringOf(i[DirectiveMarker]) != "delete")
                .ToList<JsonNode?>();
        }

        var p = 0;
        var s = 0;
        while (p < items.Count && s < order.Count)
        {
            if (items[p] is JsonObject o && o.ContainsKey(DirectiveMarker))
            {
                p++;
                continue;
            }

            if (MergeKeyValueEqual(items[p], order[s], mergeKey))
            {
                p++;
            }

            s++;
        }

        if (p < items.Count && s >= order.Count)
        {
            throw Internal($"The order in patch list:\n{Render(patchList)}\n doesn't match {SetElementOrderPrefix} list:\n{Render(new JsonArray([.. order.Select(o => o?.DeepClone())]))}\n");
        }
    }

    // Merges two lists of a field with the merge strategy (or a $deleteFromPrimitiveList list). Both arrays are
    // emptied: their nodes move into the returned list.
    private static List<JsonNode?> MergeList(JsonArray originalList, JsonArray patchList, PatchField field, bool isDeleteList) =>
        MergeList(originalList, patchList, field, isDeleteList, out _);

    // `originalView` is what apimachinery's caller sees afterwards through its slice of the original list, which
    // the merge edits in place: a deletion shifts the later elements down (the last slot keeps its old element),
    // and the slots so freed take the first elements appended. $setElementOrder ranks server-only elements by it.
    private static List<JsonNode?> MergeList(
        JsonArray originalList, JsonArray patchList, PatchField field, bool isDeleteList, out List<JsonNode?> originalView)
    {
        var original = Detach(originalList);
        var patch = Detach(patchList);
        originalView = original;
        if (original.Count == 0 && patch.Count == 0)
        {
            return original;
        }

        if (ElementKind(original, patch) != ValueKind.Object)
        {
            if (isDeleteList)
            {
                return original.Where(o => !Contains(patch, o)).ToList();
            }

            // apimachinery drops a duplicate by moving the last element into its slot. With an empty patch it does
            // so in the original list itself, which then ranks the server-only elements.
            var both = original.Concat(patch).ToList();
            var last = both.Count - 1;
            for (var i = 0; i < last; i++)
            {
                for (var j = i + 1; j <= last; j++)
                {
                    if (GoEquals(both[i], both[j]))
                    {
                        both[j] = both[last--];
                        j--;
                    }
                }
            }

            var merged = both.GetRange(0, last + 1);
            var (inPatch, serverOnly) = Partition(merged, patch, (item, list) => Contains(list, item));
            return NormalizeOrder(inPatch, serverOnly, patch, patch.Count == 0 ? both : original, "", isMap: false);
        }

        var mergeKey = field.MergeKey;
        if (string.IsNullOrEmpty(mergeKey))
        {
            throw Internal($"cannot merge lists without merge key for {field.Schema.Name}");
        }

        // Directive elements first: deletions by merge key, and a replace marker that makes the patch's other
        // elements the whole list.
        var view = new List<JsonNode?>(original);
        var length = view.Count;
        var elements = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch.Cast<JsonObject>())
        {
            if (!item.TryGetPropertyValue(DirectiveMarker, out var directive))
            {
                elements.Add(item);
                continue;
            }

            switch (StringOf(directive))
            {
                case "delete":
                    if (!item.TryGetPropertyValue(mergeKey, out var deleted))
                    {
                        throw Internal(NoMergeKey(item, mergeKey));
                    }

                    int found;
                    while ((found = FindByKey(view.GetRange(0, length), mergeKey, deleted)) >= 0)
                    {
                        for (var i = found; i < length - 1; i++)
                        {
                            view[i] = view[i + 1];
                        }

                        length--;
                    }

                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw Internal("merging lists cannot yet be specified in the patch");
                default:
                    throw Internal($"unknown patch type: {Render(directive)} in map: {Render(item)}");
            }
        }

        original = replace ? elements : view.GetRange(0, length);
        if (replace)
        {
            elements = [];
        }

        var result = new List<JsonNode?>(original);
        foreach (var element in elements.Cast<JsonObject>())
        {
            if (!element.TryGetPropertyValue(mergeKey, out var value))
            {
                throw Internal(NoMergeKey(element, mergeKey));
            }

            var index = FindByKey(result, mergeKey, value);
            if (index >= 0)
            {
                result[index] = MergeMap((JsonObject)result[index]!, element, field.Schema);
            }
            else
            {
                if (!replace && result.Count < view.Count)
                {
                    view[result.Count] = element;
                }

                result.Add(element);
            }
        }

        originalView = view;

        // The order: the original's elements (merged in place) rank the server-only ones.
        var serverOrder = result.Take(original.Count).ToList();
        var (patched, unpatched) = Partition(result, elements, (item, list) => FindByKey(list, mergeKey, MergeKeyValue(item, mergeKey)) >= 0);
        return NormalizeOrder(patched, unpatched, elements, serverOrder, mergeKey, isMap: true);
    }

    // Sorts the patch's elements by the patch order and the server-only ones by the server order, then interleaves
    // them: a server-only element goes before a patch element when the server order has both and puts it first.
    private static List<JsonNode?> NormalizeOrder(
        List<JsonNode?> patchItems, List<JsonNode?> serverOnly, List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string mergeKey, bool isMap)
    {
        var left = SortByOrder(serverOnly, serverOrder, mergeKey, isMap);
        var right = SortByOrder(patchItems, patchOrder, mergeKey, isMap);
        var result = new List<JsonNode?>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count)
            {
                result.Add(right[j++]);
            }
            else if (j >= right.Count)
            {
                result.Add(left[i++]);
            }
            else
            {
                var li = IndexIn(serverOrder, left[i], mergeKey, isMap);
                var ri = IndexIn(serverOrder, right[j], mergeKey, isMap);
                result.Add(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
            }
        }

        return result;
    }

    // A stable insertion sort by position in `order`; an element missing from it sorts before its neighbour, as in
    // apimachinery's comparator (which only differs from a plain stable sort where elements are missing).
    private static List<JsonNode?> SortByOrder(List<JsonNode?> items, List<JsonNode?> order, string mergeKey, bool isMap)
    {
        var toSort = items;
        var deletions = new List<JsonNode?>();
        if (isMap)
        {
            foreach (var item in items.Concat(order))
            {
                var map = item as JsonObject ?? throw Internal(BadArgType("map[string]interface {}", item));
                if (!map.ContainsKey(mergeKey))
                {
                    throw Internal(NoMergeKey(map, mergeKey));
                }
            }

            toSort = items.Where(i => StringOf(i![DirectiveMarker]) != "delete").ToList();
            deletions = items.Where(i => StringOf(i![DirectiveMarker]) == "delete").ToList();
        }

        var sorted = new List<JsonNode?>(toSort);
        for (var n = 1; n < sorted.Count; n++)
        {
            for (var m = n; m > 0 && Less(sorted[m], sorted[m - 1]); m--)
            {
                (sorted[m], sorted[m - 1]) = (sorted[m - 1], sorted[m]);
            }
        }

        sorted.AddRange(deletions);
        return sorted;

        bool Less(JsonNode? a, JsonNode? b)
        {
            var ia = IndexIn(order, a, mergeKey, isMap);
            var ib = IndexIn(order, b, mergeKey, isMap);
            return ia < 0 || ib < 0 || ia < ib;
        }
    }

    // The first position of an element in a list: by merge key value for maps, by value for primitives.
    private static int IndexIn(List<JsonNode?> list, JsonNode? item, string mergeKey, bool isMap)
    {
        var value = isMap ? (item as JsonObject)?[mergeKey] : item;
        for (var i = 0; i < list.Count; i++)
        {
            var candidate = isMap ? (list[i] as JsonObject)?[mergeKey] : list[i];
            if (GoEquals(value, candidate))
            {
                return i;
            }
        }

        return -1;
    }

    private static (List<JsonNode?> In, List<JsonNode?> Out) Partition(
        List<JsonNode?> items, List<JsonNode?> by, Func<JsonNode?, List<JsonNode?>, bool> isIn)
    {
        var inside = new List<JsonNode?>();
        var outside = new List<JsonNode?>();
        foreach (var item in items)
        {
            (isIn(item, by) ? inside : outside).Add(item);
        }

        return (inside, outside);
    }

    // The first map in the list whose merge key is present and equal to the value; every element must be a map.
    private static int FindByKey(List<JsonNode?> list, string mergeKey, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject map)
            {
                throw Internal($"value for key {i} is not a map");
            }

            if (map.TryGetPropertyValue(mergeKey, out var candidate) && GoEquals(candidate, value))
            {
                return i;
            }
        }

        return -1;
    }

    private static JsonNode? MergeKeyValue(JsonNode? item, string mergeKey)
    {
        var map = item as JsonObject ?? throw Internal(BadArgType("map[string]interface {}", item));
        return map.TryGetPropertyValue(mergeKey, out var value) ? value : throw Internal(NoMergeKey(map, mergeKey));
    }

    private static bool MergeKeyValueEqual(JsonNode? left, JsonNode? right, string mergeKey)
    {
        if (mergeKey.Length == 0)
        {
            return GoEquals(left, right);
        }

        return GoEquals(MergeKeyValue(left, mergeKey), MergeKeyValue(right, mergeKey));
    }

    private static bool Contains(List<JsonNode?> list, JsonNode? item) => list.Exists(i => GoEquals(i, item));

    // The common kind of the elements of two lists: they must all be of one kind, and not lists.
    private static ValueKind ElementKind(List<JsonNode?> first, List<JsonNode?> second)
    {
        ValueKind? kind = null;
        foreach (var item in first.Concat(second))
        {
            var current = KindOf(item);
            if (kind is null)
            {
                kind = current switch
                {
                    ValueKind.Null => throw Internal("list element is null"),
                    ValueKind.Array => throw new ApiStatusException(422, "Invalid", "the server rejected our request due to an error in our request", Cause("lists of lists are not supported")),
                    _ => current,
                };
            }
            else if (kind != current)
            {
                throw Internal($"list element types are not identical: {Render(new JsonArray([.. first.Concat(second).Select(n => n?.DeepClone())]))}");
            }
        }

        return kind ?? throw Internal("no elements in any of the given slices");
    }

    // A value new to the original: without null fields (at any depth) and without maps that carry $patch.
    private static void SetCleaned(JsonObject target, string key, JsonNode patchValue)
    {
        DiscardNulls(patchValue);
        if (RemoveDirectives(patchValue))
        {
            Set(target, key, patchValue);
        }
        else
        {
            target.Remove(key);
        }
    }

    private static void DiscardNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var (key, value) in map.ToList())
                {
                    if (value is null)
                    {
                        map.Remove(key);
                    }
                    else
                    {
                        DiscardNulls(value);
                    }
                }

                break;
            case JsonArray list:
                foreach (var item in list)
                {
                    DiscardNulls(item);
                }

                break;
        }
    }

    // Drops maps that carry $patch, at any depth; false when the node itself is one.
    private static bool RemoveDirectives(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map when map.ContainsKey(DirectiveMarker):
                return false;
            case JsonObject map:
                foreach (var (key, value) in map.ToList())
                {
                    if (!RemoveDirectives(value))
                    {
                        map.Remove(key);
                    }
                }

                return true;
            case JsonArray list:
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (!RemoveDirectives(list[i]))
                    {
                        list.RemoveAt(i);
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static void RemoveDirectives(List<JsonNode?> items) => items.RemoveAll(i => !RemoveDirectives(i));

    // "$prefix/field" → "field".
    private static string ExtractKey(string key, string prefix, string error)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || key[..slash] != prefix)
        {
            throw ApiStatusException.BadRequest(error);
        }

        return key[(slash + 1)..];
    }

    // Patch nodes are read again after they are merged (elements by merge key, for the order), so a node that
    // still belongs to the patch is copied rather than moved.
    private static void Set(JsonObject target, string key, JsonNode? value)
    {
        if (target.TryGetPropertyValue(key, out var existing) && ReferenceEquals(existing, value))
        {
            return;
        }

        target[key] = value?.Parent is null ? value : value.DeepClone();
    }

    private static List<JsonNode?> Detach(JsonArray list)
    {
        var items = list.ToList();
        list.Clear();
        return items;
    }

    // The JSON kinds Go's decoder tells apart: integers (int64) and other numbers (float64) are different types.
    private enum ValueKind
    {
        Null,
        Object,
        Array,
        String,
        Integer,
        Float,
        Bool,
    }

    private static ValueKind KindOf(JsonNode? node) => node switch
    {
        null => ValueKind.Null,
        JsonObject => ValueKind.Object,
        JsonArray => ValueKind.Array,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => ValueKind.String,
            JsonValueKind.True or JsonValueKind.False => ValueKind.Bool,
            JsonValueKind.Number => IsInteger(node, out _) ? ValueKind.Integer : ValueKind.Float,
            _ => ValueKind.Null,
        },
    };

    private static bool IsInteger(JsonNode node, out long value) =>
        long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    // Go's == on decoded JSON values: same type and value; maps and lists cannot be compared.
    private static bool GoEquals(JsonNode? a, JsonNode? b)
    {
        var kind = KindOf(a);
        if (kind != KindOf(b))
        {
            return false;
        }

        return kind switch
        {
            ValueKind.Null => true,
            ValueKind.String => a!.GetValue<string>() == b!.GetValue<string>(),
            ValueKind.Bool => a!.GetValueKind() == b!.GetValueKind(),
            ValueKind.Integer => IsInteger(a!, out var x) && IsInteger(b!, out var y) && x == y,
            ValueKind.Float => ParseDouble(a!) == ParseDouble(b!),
            _ => throw Internal($"comparing uncomparable type {(kind == ValueKind.Object ? "map[string]interface {}" : "[]interface {}")}"),
        };
    }

    private static double ParseDouble(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string? StringOf(JsonNode? node) => KindOf(node) == ValueKind.String ? node!.GetValue<string>() : null;

    private static string Render(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static string Describe(JsonNode node) => KindOf(node) switch
    {
        ValueKind.Array => "array",
        ValueKind.String => "string",
        ValueKind.Bool => "bool",
        _ => "number",
    };

    private static string BadArgType(string expected, JsonNode? actual) =>
        $"expected a {expected}, but received a {KindOf(actual) switch
        {
            ValueKind.Null => "<nil>",
            ValueKind.Object => "map[string]interface {}",
            ValueKind.Array => "[]interface {}",
            ValueKind.String => "string",
            ValueKind.Integer => "int64",
            ValueKind.Float => "float64",
            _ => "bool",
        }}";

    private static string NoMergeKey(JsonObject map, string mergeKey) => $"map: {Render(map)} does not contain declared merge key: {mergeKey}";

    // kube-apiserver passes these errors on unconverted, so they reach the client as 500 with no reason.
    private static ApiStatusException Internal(string message) => new(500, "", message);

    private static JsonObject Cause(string message) => new()
    {
        ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnexpectedServerResponse", ["message"] = message }),
    };
}
