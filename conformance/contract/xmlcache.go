package contract

import (
	"runtime"
	"sync"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
)

// schemaCache memoizes a value derived from each schema met. Schemas are read-only once loaded.
// Keys are weak, so a document dropped by its user (a test's specs.Load) does not stay alive for
// the cache's sake.
type schemaCache[V any] struct{ m sync.Map } // weak.Pointer[openapi3.Schema] -> V

func (c *schemaCache[V]) get(s *openapi3.Schema, build func(*openapi3.Schema) V) V {
	key := weak.Make(s)
	if v, ok := c.m.Load(key); ok {
		return v.(V)
	}
	v := build(s)
	if _, loaded := c.m.LoadOrStore(key, v); !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[openapi3.Schema]) { c.m.Delete(k) }, key)
	}
	return v
}

// propertyCache holds propertiesOf of each object schema met, since every element of every body
// would otherwise merge allOf members and parse x-oapi-codegen-extra-tags again (a tenth of an
// iovox exchange's validation).
var propertyCache schemaCache[[]property]

func cachedProperties(s *openapi3.Schema) []property {
	if len(s.Properties) == 0 && len(s.AllOf) == 0 {
		return nil // the schema-less objects of undeclared elements: nothing to cache
	}
	return propertyCache.get(s, propertiesOf)
}
