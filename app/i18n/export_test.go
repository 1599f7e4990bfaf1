package i18n

// Catalogues lets the tests in package i18n_test read the translations. Those tests
// live outside the package because they import packages that import this one.
var Catalogues = catalogues
