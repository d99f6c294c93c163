module github.com/codearts-tools/codearts-logs/test/actartifact

go 1.26

require (
	github.com/codearts-tools/codearts-logs v0.0.0
	github.com/julienschmidt/httprouter v1.3.0
	github.com/nektos/act v0.2.89
	github.com/sirupsen/logrus v1.9.3
)

require (
	github.com/golang-jwt/jwt/v5 v5.3.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/sethvargo/go-githubactions v1.4.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
	google.golang.org/protobuf v1.36.9 // indirect
)

replace github.com/codearts-tools/codearts-logs => ../..
