// Command gendoc removes the package comment oapi-codegen writes into every file it generates
// ("Package x provides primitives to interact with the openapi HTTP API."), so that `go doc` of a
// gen/<vendor> package shows the package's own doc.go once instead of that sentence once per
// generated file. It runs from generate.go after the generator, on the directories given.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// generatedDoc is the generator's package comment and the "Code generated" line after it. The
// blank line gendoc leaves between that line and the package clause keeps it out of the package
// documentation while Go still recognises the file as generated.
var generatedDoc = regexp.MustCompile(`(?m)^// Package \w+ provides primitives to interact with the openapi HTTP API\.\n//\n(// Code generated .* DO NOT EDIT\.)\npackage `)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc dir...")
		os.Exit(2)
	}
	for _, dir := range os.Args[1:] {
		files, err := filepath.Glob(filepath.Join(dir, "*.gen.go"))
		if err != nil || len(files) == 0 {
			fmt.Fprintf(os.Stderr, "gendoc: no *.gen.go in %s\n", dir)
			os.Exit(1)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "gendoc:", err)
				os.Exit(1)
			}
			out := generatedDoc.ReplaceAll(src, []byte("$1\n\npackage "))
			if !bytes.Equal(out, src) {
				if err := os.WriteFile(f, out, 0o644); err != nil {
					fmt.Fprintln(os.Stderr, "gendoc:", err)
					os.Exit(1)
				}
			}
		}
	}
}
