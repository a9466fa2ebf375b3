package report

// WriteSSTPool writes a lecturer pool of n rows as a spreadsheet program
// saves one, every string shared, for the import benchmark.
var WriteSSTPool = writeSSTPool
