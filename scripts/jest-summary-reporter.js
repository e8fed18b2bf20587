// Prints the one closing line CI reads: "N passed, N failed" over every project of the run.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    // Suites that failed to run at all (syntax error, crash) count as failures too.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
