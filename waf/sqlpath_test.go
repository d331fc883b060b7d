package waf

import "testing"

func TestFindSQLiSegment(t *testing.T) {
	testFinder(t, "findSQLiSegment", findSQLiSegment, []finderCase{
		{"/api/v1/users/admin'--", "admin'--"},
		{"/files/1'\tOR\t'1'='1", "1'\tOR\t'1'='1"},
		{"/blog/1' GROUP BY CONCAT(version(),FLOOR(RAND(0)*2)) HAVING MIN(0)-- -", "1' GROUP BY CONCAT(version(),FLOOR(RAND(0)*2)) HAVING MIN(0)-- -"},
		{"/t/select-vs-join-performance/48013/11", ""},
		{"/products/women's running shoes/O'Neill wetsuit", ""},
		{"/2026/08/16/what-the-election-results-mean-for-your-taxes/", ""},
		{"/", ""},
	})
}
