package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"roster"
)

// encoding/json takes the last of two equal keys and matches keys to fields ignoring case, so
// {"email":"a@x","EMAIL":"b@x"} would create b@x while a reader of the request (a log, a
// proxy, another JSON library that takes the first key) sees a@x. checkKeys refuses both
// before the body is decoded: every key appears once in its object, and a key that names a
// field names it exactly as documented.

// checkKeys walks body alongside the Go type it is decoded into. A body that is not valid
// JSON passes: the decoder says where it breaks.
func checkKeys(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkKeys(dec, reflect.TypeOf(dst), "")
	if _, refused := err.(*roster.Error); refused {
		return err
	}
	return nil
}

// walkKeys reads one JSON value from dec; t is the Go type it goes into, nil when unknown
// (a field the decoder will refuse, or a type that decodes itself).
func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	t = valueType(t)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key := tok.(string)
			name := path + key
			if seen[key] {
				return roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
					Message: fmt.Sprintf("The field %q is given twice; send each field once.", name)})
			}
			seen[key] = true
			var next reflect.Type
			switch {
			case fields != nil:
				var found bool
				if next, found = fields[key]; !found {
					if want := foldedField(fields, key); want != "" {
						return roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
							Message: fmt.Sprintf("Unknown field %q: field names are case-sensitive; write %q.", name, path+want)})
					}
				}
			case t != nil && t.Kind() == reflect.Map:
				next = t.Elem()
			}
			if err := walkKeys(dec, next, name+"."); err != nil {
				return err
			}
		}
		_, err = dec.Token() // }
		return err
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkKeys(dec, elem, path); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ]
		return err
	}
	return nil
}

// optionalValue is implemented by the types that wrap a JSON value (Optional), so that the
// keys of the value they hold are checked too.
type optionalValue interface {
	jsonValueType() reflect.Type
}

var optionalValueType = reflect.TypeFor[optionalValue]()

// valueType returns the type whose fields a JSON object fills: pointers followed, Optional
// unwrapped; nil for a type that decodes itself in another way.
func valueType(t reflect.Type) reflect.Type {
	for t != nil {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case reflect.PointerTo(t).Implements(optionalValueType):
			t = reflect.New(t).Interface().(optionalValue).jsonValueType()
		case reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()):
			return nil
		default:
			return t
		}
	}
	return nil
}

// jsonFields returns the JSON names of a struct's fields, as encoding/json sees them
// (embedded structs' fields promoted), with their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := valueType(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, shadowed := fields[k]; !shadowed {
						fields[k] = v
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// foldedField returns the field that key names in another case, or "".
func foldedField(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return name
		}
	}
	return ""
}
