namespace EdgeAllowlist.Emulator;

/// <summary>Draws the faults for each call from the current <see cref="FaultSettings"/>; switchable at runtime.</summary>
public sealed class FaultInjector
{
    readonly Lock gate = new();
    FaultSettings settings = new();
    Random random = new();

    public FaultInjector(FaultSettings initial) => Set(initial);

    public FaultSettings Current
    {
        get
        {
            lock (gate) return settings;
        }
    }

    /// <summary>Replaces the settings; a seed restarts the deterministic sequence.</summary>
    public void Set(FaultSettings next)
    {
        lock (gate)
        {
            settings = next;
            random = next.Seed is { } seed ? new(seed) : new();
        }
    }

    public TimeSpan Latency => TimeSpan.FromMilliseconds(Current.LatencyMilliseconds);

    /// <summary>The status code of an injected error, or null to run the call.</summary>
    public int? InjectedError()
    {
        lock (gate)
        {
            if (!Draw(settings.ErrorRate)) return null;
            var codes = settings.ErrorStatusCodes;
            return codes.Count == 0 ? 500 : codes[random.Next(codes.Count)];
        }
    }

    public WriteFault NextWriteFault()
    {
        lock (gate)
        {
            if (Draw(settings.ConflictRate)) return WriteFault.Conflict;
            if (Draw(settings.FailAfterApplyRate)) return WriteFault.FailAfterApply;
            return Draw(settings.DropConnectionAfterApplyRate) ? WriteFault.DropAfterApply : WriteFault.None;
        }
    }

    /// <summary>Whether the listing whose last page is being answered is followed by an edit of the store (<see cref="FaultSettings.EditAfterListingRate"/>).</summary>
    public bool EditAfterListing()
    {
        lock (gate) return Draw(settings.EditAfterListingRate);
    }

    // Rates of 0 draw nothing, so setting one fault does not shift the sequence of the others.
    bool Draw(double rate) => rate > 0 && random.NextDouble() < rate;
}

public enum WriteFault
{
    None,
    Conflict,
    FailAfterApply,
    DropAfterApply,
}
