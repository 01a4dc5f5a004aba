"""Words that generated names are made of: UI components and their parts, CSS Modules
locals, bundle chunks, cloud resources, services and message ids.

`filters.is_word_run` takes a run as a word when it is one of these, or when its letter
pairs are common in English (which real words with a rarer pair, `admin`, `Input`,
`Queue`, fail). Lowercase; a plural `s` is stripped before the look-up.
"""

from __future__ import annotations

_TEXT = """
about access account accordion action active activity adapter add address admin agent
alert alias align all allow analytics anchor animation api app application apply archive
area arrow article aside asset async attach attribute audio audit auth author auto
autocomplete avatar back backdrop backend backup badge balance balancer banner bar base
basic batch before beta billing bind blank block blog blue body bold book bookmark boot
border bottom bounce box brand breadcrumb bridge browser bucket buffer build bundle
button cache calendar call callback cancel canvas caption card carousel cart catalog
category cell center change channel chart chat check checkbox checkout child chip chunk
circle class clear click client clip clock close cloud cluster code collapse collection
color column command comment common company compact compare compiler component compose
compute config confirm connect connection console constant contact container content
context control controller core count counter cover create credential crop cron css
current cursor custom customer dark dashboard data database date datepicker day dead
debug default delete deploy deployment description design desktop detail dev device
dialog digest dim direction disabled disk dismiss display dist divider dns doc document
domain done dot down download draft drag drawer drop dropdown dynamic edge edit editor
element email embed empty enabled end endpoint engine entry env environment error event
example expand export extension external face fade failed faq feature feed field file
filter first fixed flag flex flow focus folder font footer form format frame free front
frontend full function gallery gateway general generic get global grid group guard guest
handler hash header heading health height help hero hidden hide highlight history home
hook horizontal host hover icon image import inbox index info ingress init inline inner
input insight instance integration internal invalid inventory invoice issue item job key
kit label lambda landing language large last launch layer layout lazy leader left legend
level library light limit line link list listener live load loader loading local locale
lock log logger login logo logout lookup main manager map marker master match max media
medium member menu message meta metric middle min minimal mobile modal mode model module
monitor more mount move multi name nav navbar navigation network new next node normal
note notice notification number object offset open operator option order org origin
outer outline output overlay overview owner page pagination pager panel param parent
parser partial password path payment pending permission picker pill pipeline placeholder
plan platform player plugin policy polyfill pool popover popup portal post preview
price primary print private process product profile progress progressbar project prompt
property provider proxy public publish queue quick quote radio range rate react read
ready record redirect reference refresh region register registry release reload remote
remove render replica report request required reset resize resolver resource response
rest result retry review right role root route router row rule run runner runtime save
scale schedule schema screen script scroll search secondary section security select
selected selector send server service session settings setup shadow share sheet shell
short show sidebar sign signal signup simple site size skeleton skip slider slot small
snapshot social socket sort source space spinner split stack stage staging standard star
start state static stats status step sticky storage store stream string style styled
submit subnet subscription success summary support surface switch sync system tab table
tabs tag target task team template tenant terminal test text textarea theme thread
thumbnail tile time timeline timeout timer title toast toggle token toolbar tooltip top
topic total track trigger type upload user util utility utils validation value variant
vendor version vertical video view viewer virtual visible vpc wallet warning watch web
webhook welcome widget width window wizard worker workflow wrapper write zone
"""
WORDS = frozenset(_TEXT.split())
