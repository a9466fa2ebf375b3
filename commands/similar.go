package commands

// SimilarUnitName reports whether a new unit's name looks like a slip for
// other's, a unit beside it: the check /单位 新增 asks about, for imports.
func SimilarUnitName(name, other string) bool { return similarUnit(name, other) }
