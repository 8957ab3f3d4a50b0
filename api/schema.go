package api

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

// schemaGenerator turns the Go values of bodies into schemas. Named
// struct types become components under their Go name, shared by every
// body that uses them.
type schemaGenerator struct {
	generator *openapi3gen.Generator
	schemas   openapi3.Schemas

	// types records the Go type behind each component name, so that two
	// types of the same name from different packages are an error
	// instead of one silently replacing the other.
	types map[string]reflect.Type
	err   error
}

func newSchemaGenerator(schemas openapi3.Schemas) *schemaGenerator {
	g := &schemaGenerator{schemas: schemas, types: make(map[string]reflect.Type)}
	g.generator = openapi3gen.NewGenerator(
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{
			ExportComponentSchemas: true,
			ExportTopLevelSchema:   true,
		}),
		openapi3gen.CreateTypeNameGenerator(g.typeName),
		openapi3gen.SchemaCustomizer(customizeSchema),
	)

	return g
}

// schemaRef returns the schema of value's type, adding the components it
// needs.
func (g *schemaGenerator) schemaRef(value any) (*openapi3.SchemaRef, error) {
	ref, err := g.generator.NewSchemaRefForValue(value, g.schemas)
	if err != nil {
		return nil, fmt.Errorf("api: schema of %T: %w", value, err)
	}

	if g.err != nil {
		return nil, g.err
	}

	// openapi3gen refers to a named struct without json-tagged fields by
	// name but leaves it out of the components.
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok && g.schemas[name] == nil {
		return nil, fmt.Errorf("api: schema of %T: the type has no field with a json tag", value)
	}

	return ref, nil
}

func (g *schemaGenerator) typeName(t reflect.Type) string {
	name := t.Name()
	if name == "" {
		return name
	}

	if prior, ok := g.types[name]; ok && prior != t && g.err == nil {
		g.err = fmt.Errorf("api: two types are named %s (%s and %s); rename one of them",
			name, prior.PkgPath(), t.PkgPath())
	}

	g.types[name] = t

	return name
}

// customizeSchema adapts a generated schema to OpenAPI 3.1 and applies the
// struct tags doc, format and enum.
func customizeSchema(_ string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
	if doc, ok := tag.Lookup("doc"); ok {
		schema.Description = doc
	}

	if format, ok := tag.Lookup("format"); ok {
		schema.Format = format
	}

	if enum, ok := tag.Lookup("enum"); ok {
		for _, value := range strings.Split(enum, ",") {
			schema.Enum = append(schema.Enum, value)
		}
	}

	allowNull(t, schema)

	if t.Kind() == reflect.Struct && t != reflect.TypeFor[time.Time]() {
		schema.Required = requiredFields(t, schema)
	}

	return nil
}

// allowNull replaces the OpenAPI 3.0 keyword nullable, which openapi3gen
// sets on pointer fields and which OpenAPI 3.1 dropped, with a type list
// that includes "null".
//
// NOTE: a pointer to a named struct becomes a $ref to the component, and
// that reference is written without "null".
func allowNull(t reflect.Type, schema *openapi3.Schema) {
	if !schema.Nullable {
		return
	}

	schema.Nullable = false
	if t.Kind() == reflect.Struct || schema.Type == nil {
		return
	}

	types := append(*schema.Type, openapi3.TypeNull)
	schema.Type = &types
}

// requiredFields returns the properties of schema whose struct field has
// a json tag without omitempty or omitzero, so the encoder always writes
// them. Fields of embedded structs are left optional.
func requiredFields(t reflect.Type, schema *openapi3.Schema) []string {
	var required []string
	for field := range t.Fields() {
		tag, ok := field.Tag.Lookup("json")
		if !ok || tag == "-" || !field.IsExported() || field.Anonymous {
			continue
		}

		name, options, _ := strings.Cut(tag, ",")
		if name == "" {
			name = field.Name
		}

		if hasOption(options, "omitempty") || hasOption(options, "omitzero") {
			continue
		}

		if _, ok := schema.Properties[name]; ok {
			required = append(required, name)
		}
	}

	return required
}

func hasOption(options, option string) bool {
	for o := range strings.SplitSeq(options, ",") {
		if o == option {
			return true
		}
	}

	return false
}
