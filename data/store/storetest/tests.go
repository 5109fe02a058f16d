package storetest

// tests lists the suite in a fixed order.
func tests() []suiteTest {
	return []suiteTest{
		{"PlanSaveListDelete", testPlanSaveListDelete},
		{"PlanInsertIsAllOrNothing", testPlanInsertIsAllOrNothing},
		{"ScenarioStoreRoundTrip", testScenarioStoreRoundTrip},
		{"DivisionsVersion", testDivisionsVersion},
		{"ImportFacilitiesGood", testImportFacilitiesGood},
		{"ImportFacilitiesRejectsWholeFile", testImportFacilitiesRejectsWholeFile},
		{"ImportFacilitiesCRS", testImportFacilitiesCRS},
		{"ImportFacilitiesByVillage", testImportFacilitiesByVillage},
		{"ImportFacilitiesMergeAndReplace", testImportFacilitiesMergeAndReplace},
		{"ImportDivisions", testImportDivisions},
		{"ImportFacilitiesLocatedByPoint", testImportFacilitiesLocatedByPoint},
		{"ImportReplaceOnlyTheCellsOfTheFile", testImportReplaceOnlyTheCellsOfTheFile},
		{"ImportDetectsGCJ02Offset", testImportDetectsGCJ02Offset},
		{"ImportRejectsPointsFarFromTheirDivision", testImportRejectsPointsFarFromTheirDivision},
		{"ChangeLogNumbersEveryWrite", testChangeLogNumbersEveryWrite},
		{"GroupCommitKeepsWritesSeparate", testGroupCommitKeepsWritesSeparate},
		{"WritePanicReleasesTheWriter", testWritePanicReleasesTheWriter},
		{"SeedLoadRoundTrip", testSeedLoadRoundTrip},
		{"SeedIsAllOrNothing", testSeedIsAllOrNothing},
		{"SeedEmbeddedHubei", testSeedEmbeddedHubei},
		{"VersionBumpsOnCommitOnly", testVersionBumpsOnCommitOnly},
		{"WriteAndAuditInOneTransaction", testWriteAndAuditInOneTransaction},
		{"AuditLogFilterAndPaging", testAuditLogFilterAndPaging},
		{"Tokens", testTokens},
		{"ConcurrentWritersAndReaders", testConcurrentWritersAndReaders},
		{"IdempotencyReplay", testIdempotencyReplay},
		{"IdempotencyFailedWriteKeepsNoKey", testIdempotencyFailedWriteKeepsNoKey},
		{"IdempotencyConcurrentSameKey", testIdempotencyConcurrentSameKey},
		{"IdempotencyExpiry", testIdempotencyExpiry},
		{"IdempotencyImport", testIdempotencyImport},
	}
}
