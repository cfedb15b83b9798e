package contract

import (
	"runtime"
	"sync"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
)

// propertyCache holds propertiesOf of each object schema met, since every element of every body
// would otherwise merge allOf members and parse x-oapi-codegen-extra-tags again (a tenth of an
// iovox exchange's validation). Schemas are read-only once loaded. Keys are weak, so a document
// dropped by its user (a test's specs.Load) does not stay alive for the cache's sake.
var propertyCache sync.Map // weak.Pointer[openapi3.Schema] -> []property

func cachedProperties(s *openapi3.Schema) []property {
	if len(s.Properties) == 0 && len(s.AllOf) == 0 {
		return nil // the schema-less objects of undeclared elements: nothing to cache
	}
	key := weak.Make(s)
	if props, ok := propertyCache.Load(key); ok {
		return props.([]property)
	}
	props := propertiesOf(s)
	if _, loaded := propertyCache.LoadOrStore(key, props); !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[openapi3.Schema]) { propertyCache.Delete(k) }, key)
	}
	return props
}
