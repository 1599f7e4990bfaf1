package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
)

// Form is what a page needs to show a form again: the person's input and a message for
// each field that needs fixing.
type Form struct {
	Values url.Values
	Errors map[string]string
}

// Value returns the submitted value of field.
func (f Form) Value(field string) string {
	if v := f.Values[field]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Has reports whether value was submitted for field (for checkboxes and multi-selects).
func (f Form) Has(field, value string) bool {
	for _, v := range f.Values[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Invalid reports whether any field has a message.
func (f Form) Invalid() bool { return len(f.Errors) > 0 }

// Fail adds a message for field.
func (f *Form) Fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// Validator checks form structs with go-playground/validator, naming fields by their
// `form` tag and turning each failure into a message a person understands.
type Validator struct{ v *validator.Validate }

// NewValidator returns the validator every form uses.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("form"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return &Validator{v: v}
}

// Bind reads the request's form into dst, validates it, and returns the Form to show
// again: the submitted values, and a message per invalid field.
func (v *Validator) Bind(c echo.Context, dst any) (Form, error) {
	params, err := c.FormParams()
	if err != nil {
		return Form{}, echo.NewHTTPError(400, "the form could not be read").SetInternal(err)
	}
	f := Form{Values: params}
	if err := (&echo.DefaultBinder{}).BindBody(c, dst); err != nil {
		return f, echo.NewHTTPError(400, "the form could not be read").SetInternal(err)
	}
	lang := "en"
	if v := ViewerOf(c); v != nil && v.Lang != "" {
		lang = v.Lang
	}
	// A NUL or bytes that are not UTF-8 would reach PostgreSQL, which refuses them (a
	// 500): the field says so instead, whatever else it needs, and dst holds none of them,
	// for a handler that looks something up before it checks the form.
	for name, values := range params {
		for _, value := range values {
			if !Storable(value) {
				f.Fail(name, i18n.T(lang, "This holds characters Tugi cannot use, such as a control character. Type it again as plain text."))
			}
		}
	}
	if f.Invalid() {
		clearUnstorable(dst)
	}
	trimStrings(dst)
	if err := v.v.Struct(dst); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) {
			return f, fmt.Errorf("web: validate %T: %w", dst, err)
		}
		for _, fe := range ves {
			// An element of a list ("roles[1]", from dive) is reported on the list's field,
			// where the form shows it.
			field, _, _ := strings.Cut(fe.Field(), "[")
			f.Fail(field, message(fe, lang))
		}
	}
	return f, nil
}

// Storable reports whether s is text PostgreSQL accepts: valid UTF-8 holding no NUL.
func Storable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// CheckQuery refuses, with 422, a request whose query string holds a name or value that
// is not Storable. A page calls it before reading its query parameters, so such bytes
// (a fuzzer's, or a mangled link's) are answered as a bad request, never carried to
// PostgreSQL and back as a 500.
func CheckQuery(c echo.Context) error {
	for name, values := range c.QueryParams() {
		if !Storable(name) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "the query string holds characters that are not text")
		}
		for _, v := range values {
			if !Storable(v) {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "query parameter "+name+" holds characters that are not text")
			}
		}
	}
	return nil
}

// clearUnstorable empties the string fields, and the strings of the string-list fields, of
// the struct dst points to that are not Storable.
func clearUnstorable(dst any) {
	rv := reflect.ValueOf(dst).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Kind() == reflect.String && !Storable(f.String()):
			f.SetString("")
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			for j := range f.Len() {
				if e := f.Index(j); !Storable(e.String()) {
					e.SetString("")
				}
			}
		}
	}
}

// trimStrings removes surrounding white space from the string fields of the struct dst
// points to, so " a@b.example " is accepted and stored as typed, without the spaces.
func trimStrings(dst any) {
	rv := reflect.ValueOf(dst).Elem()
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.String && f.CanSet() && rv.Type().Field(i).Tag.Get("trim") != "no" {
			f.SetString(strings.TrimSpace(f.String()))
		}
	}
}

// message is what a person reads about fe, in lang. Messages with a number are
// translated with their format, then formatted, so the catalogue holds one entry each.
func message(fe validator.FieldError, lang string) string {
	switch fe.Tag() {
	case "required":
		return i18n.T(lang, "Please fill this in.")
	case "email":
		return i18n.T(lang, "Enter an e-mail address such as name@example.com.")
	case "min":
		if fe.Kind() == reflect.Slice && fe.Param() == "1" {
			return i18n.T(lang, "Choose at least one.")
		}
		if fe.Kind() == reflect.Slice {
			return i18n.T(lang, "Choose at least %s.", fe.Param())
		}
		return i18n.T(lang, "Use at least %s characters.", fe.Param())
	case "max":
		return i18n.T(lang, "Use at most %s characters.", fe.Param())
	case "eqfield":
		return i18n.T(lang, "The two entries do not match.")
	case "oneof", "dive":
		return i18n.T(lang, "Choose one of the options offered.")
	}
	return i18n.T(lang, "This value is not valid.")
}
