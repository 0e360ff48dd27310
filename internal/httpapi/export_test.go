package httpapi

// RouteTable returns the method and path of every route of routes.go, in order, for the tests
// of the external test package.
func RouteTable() [][2]string {
	api := &API{}
	var out [][2]string
	for _, rt := range api.routes() {
		out = append(out, [2]string{rt.method, rt.path})
	}
	return out
}

// ProblemCodes returns every code the transport maps to a status.
func ProblemCodes() map[string]int {
	out := map[string]int{}
	for code, k := range problemKinds {
		out[string(code)] = k.status
	}
	return out
}
