namespace EdgeAllowlist.Cli.Commands;

/// <summary>The process exit codes, documented in docs/cli.md ("Exit codes"); scripts branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command line or an input file is wrong; nothing was called.</summary>
    public const int InvalidInput = 1;

    /// <summary>AWS or the admin API refused or could not be reached (credentials, not found, conflict, 5xx).</summary>
    public const int ServiceError = 2;

    /// <summary>plan --detailed-exitcode: the plan has changes (0 then means none).</summary>
    public const int PlanHasChanges = 2;

    /// <summary>A TestFunction case failed or used too much compute; nothing was published.</summary>
    public const int FunctionTestsFailed = 3;

    /// <summary>A write was accepted but reading it back showed something else.</summary>
    public const int VerificationFailed = 4;

    /// <summary>apply: the plan deletes more rules than the API's limit; nothing was written (review it, then --force).</summary>
    public const int DeletionGate = 5;

    /// <summary>apply: the plan was not confirmed (no --yes, or an answer other than yes); nothing was written.</summary>
    public const int NotConfirmed = 6;

    /// <summary>rollout replay: the candidate rules would block more recorded, not attack-like requests than the threshold.</summary>
    public const int RolloutNotSafe = 7;

    /// <summary>apply PLAN: the rules moved since the plan was saved (named in the message); nothing was written.</summary>
    public const int PlanStale = 8;

    /// <summary>secrets rotate: a step after issuing failed and undoing the rotation failed too; the message says what to run.</summary>
    public const int RotationNotUndone = 9;

    /// <summary>simulate --expect: the function's decision was not the expected one (a CI smoke test failed).</summary>
    public const int ExpectationFailed = 10;

    /// <summary>apply, rollback: the change would flip expectations (listed); nothing was written (review them, then --force).</summary>
    public const int ExpectationsWouldFlip = 11;
}
