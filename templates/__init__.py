# Makes the bundled theme importable as the package data "generator.theme".
