package contract

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A .NET DataContract dictionary (<KeyValueOfstringanyType><Key>k</Key><Value i:type="d:int">1
// </Value></KeyValueOfstringanyType>...) types each value with xsi:type. The serializer that
// reads it refuses an entry without a Key and a value whose text is not of its type, so the
// whole body cannot be read: checkDictionaries reports both as decoding errors.

// checkDictionaries refuses a document holding a dictionary entry without a Key, or a typed
// Value whose text is not of its xsi:type.
func checkDictionaries(e *element) error {
	if len(e.children) > 0 && allKeyValuePairs(e) {
		for _, pair := range e.children {
			hasKey := false
			for _, kv := range pair.children {
				switch kv.name.Local {
				case "Key":
					hasKey = true
				case "Value":
					if isNil(kv) || len(kv.children) > 0 {
						continue
					}
					if _, err := dataContractValue(kv); err != nil {
						return err
					}
				}
			}
			if !hasKey {
				return fmt.Errorf("<%s> without a <Key>", pair.name.Local)
			}
		}
	}
	for _, c := range e.children {
		if err := checkDictionaries(c); err != nil {
			return err
		}
	}
	return nil
}

func allKeyValuePairs(e *element) bool {
	for _, c := range e.children {
		if !strings.HasPrefix(c.name.Local, "KeyValueOf") {
			return false
		}
	}
	return true
}

// dataContractValue is a leaf Value's content as the JSON value its xsi:type stands for: text
// for strings and types without a JSON form (dateTime), int64 or float64 for numbers, bool, and
// an empty object for an untyped empty Value (an instance of anyType, as the page's samples
// send). The prefix of the type's QName is not resolved: DataContract writes primitives in the
// XSD namespace only.
func dataContractValue(v *element) (any, error) {
	var typ string
	for _, a := range v.attrs {
		if a.Name.Space == xsiNamespace && a.Name.Local == "type" {
			typ = a.Value[strings.IndexByte(a.Value, ':')+1:]
		}
	}
	text := v.text
	trimmed := strings.TrimSpace(text)
	bad := func(err error) (any, error) {
		return text, fmt.Errorf("value of xsi:type %q: %w", typ, err)
	}
	switch typ {
	case "":
		if trimmed == "" {
			return map[string]any{}, nil
		}
	case "boolean":
		b, err := strconv.ParseBool(trimmed)
		if err != nil {
			return bad(err)
		}
		return b, nil
	case "int", "long", "short", "byte", "unsignedByte", "unsignedShort", "unsignedInt", "integer":
		n, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil {
			return bad(err)
		}
		return n, nil
	case "unsignedLong":
		n, err := strconv.ParseUint(trimmed, 10, 64)
		if err != nil {
			return bad(err)
		}
		if n <= math.MaxInt64 {
			return int64(n), nil
		}
		return float64(n), nil
	case "decimal", "double", "float":
		switch trimmed {
		case "INF":
			return math.Inf(1), nil
		case "-INF":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			return bad(err)
		}
		return f, nil
	}
	return text, nil
}
