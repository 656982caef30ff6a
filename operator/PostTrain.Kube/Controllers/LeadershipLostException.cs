namespace PostTrain.Kube.Controllers;

/// <summary>The manager lost its lease; controllers were stopped. Exit and restart as a candidate.</summary>
public sealed class LeadershipLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeadershipLostException(string message)
        : base(message)
    {
    }
}
