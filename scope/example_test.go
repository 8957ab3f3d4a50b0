package scope_test

import (
	"fmt"

	"github.com/scopegate/scopegate/scope"
)

func ExampleParse() {
	requested, err := scope.Parse("items  me items")
	if err != nil {
		fmt.Println(err)
		return
	}

	allowed := scope.New("me")

	fmt.Println(requested)
	fmt.Println(requested.Intersect(allowed))
	// Output:
	// items me
	// me
}
