package main

import (
	"os"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
)

func main() {
	suiteconfig.Usage(os.Stdout)
}
