import AltLogic

// TEMPORARY, DELETE THIS FILE when the fan-out core lands (plan: CONTRACT.md, issue 14).
//
// The fan-out tests (FanoutRescueTests, FanoutQuorumTests, GroundNodeIDTests) are written
// against the lead's new API: `report.outcome.name` (RescueOutcome), `AltLogicConfig.peersPerDriver`
// and `AltLogicConfig.quorum`. On the old core they compile through these stand-ins and fail as
// the old single-peer rescue does. Once AltLogic has the real members, these become ambiguous or
// redeclarations: remove the file, nothing else.

extension String {
    /// Stand-in for `RescueOutcome.name`: the old `RescueReport.outcome` is already the name.
    var name: String { self }
}

extension AltLogicConfig {
    /// Stand-in: the old core asks one peer whatever this says.
    var peersPerDriver: Int {
        get { 1 }
        set {}
    }

    /// Stand-in: the old core concludes no-better-chain from one answer whatever this says.
    var quorum: Int {
        get { 1 }
        set {}
    }
}
