/// gover's own version; `scripts/build-release` stamps the commit next to it.
public let goverVersion = "0.1.0"
