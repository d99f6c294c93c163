module github.com/codearts-tools/codearts-logs

go 1.26

require (
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/klauspost/compress v1.20.4
	github.com/sethvargo/go-githubactions v1.4.0
	gopkg.in/yaml.v3 v3.0.1
)
