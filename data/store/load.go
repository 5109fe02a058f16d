package store

import (
	"fmt"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// LoadTree reads every division and indexes them as a tree.
func (s *Core) LoadTree() (*divisions.Tree, error) {
	divs, err := s.LoadDivisions()
	if err != nil {
		return nil, err
	}
	tree, err := divisions.NewTree(divs)
	if err != nil {
		return nil, fmt.Errorf("%s: division tree: %w", s.name, err)
	}
	return tree, nil
}

// LoadAnalyzer reads the division tree and every facility and builds a coverage analyzer over
// them with the default configuration.
func (s *Core) LoadAnalyzer() (*facilities.Analyzer, error) {
	tree, err := s.LoadTree()
	if err != nil {
		return nil, err
	}
	fs, err := s.LoadFacilities()
	if err != nil {
		return nil, err
	}
	return facilities.NewAnalyzer(tree, facilities.NewRegistry(fs), nil)
}
