namespace PostTrain.Kube.Models;

/// <summary>What <see cref="List{T}"/> has and the official models' <see cref="IList{T}"/> properties lack.</summary>
public static class ListExtensions
{
    /// <summary>Removes every item that matches <paramref name="match"/>; returns how many were removed.</summary>
    public static int RemoveWhere<T>(this IList<T> list, Func<T, bool> match)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(match);
        if (list is List<T> concrete)
        {
            return concrete.RemoveAll(new Predicate<T>(match));
        }

        var removed = 0;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (match(list[i]))
            {
                list.RemoveAt(i);
                removed++;
            }
        }

        return removed;
    }
}
