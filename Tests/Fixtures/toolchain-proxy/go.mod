// The test fixture gover's proxy client is checked against (issue 12). golang.org/x/mod is
// the copy vendored in every Go tree (go/src/cmd/vendor/golang.org/x/mod): the Swift test
// support (ToolchainProxyFixture.swift) copies it to ./xmod next to this file in a build
// directory under the test cache, so the build needs no network.
module gover.test/toolchain-proxy

go 1.22

require golang.org/x/mod v0.19.0

replace golang.org/x/mod => ./xmod
