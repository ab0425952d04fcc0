"""TEST DOUBLE: the value types of standin_protobuf's field tables (shared by its modules).
S, B: string, bytes; INT, BOOL: non-pointer int32/int64 and bool (dropped when zero, as JSON's
omitempty drops them); PINT, PBOOL, PS: *int32/*int64, *bool, *string in Go (gogo writes them
only when set, so even an empty value is kept); TIME: metav1.Time; META: metav1.ObjectMeta."""
S, B, INT, BOOL, PINT, PBOOL, PS, TIME = ("string", "bytes", "int", "bool", "*int", "*bool",
                                          "*string", "Time")
META = "ObjectMeta"
