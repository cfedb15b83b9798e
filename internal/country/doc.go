// Package country resolves the country forms the vendors use: ISO 3166-1 alpha-2 codes
// (Valomnia), English names such as "United Kingdom" (iovox), and either of those or an alpha-3
// code (auregister). The data is golang.org/x/text's CLDR region table, so no list is kept here.
package country
